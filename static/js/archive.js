// Phones: the filter drawer starts closed (its toggle sits above the results);
// wider screens keep it open beside them. Without scripts it stays open.
document.addEventListener("DOMContentLoaded", () => {
  const drawer = document.getElementById("filters-drawer");
  if (drawer && window.matchMedia("(max-width: 48rem)").matches) drawer.open = false;
});
