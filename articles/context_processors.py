DIGIT_STYLES = ("latn", "arab")


def preferences(request):
    """The reader's remembered choices (a cookie, so it works before and after logging in)."""
    style = request.COOKIES.get("digits")
    return {"digit_style": style if style in DIGIT_STYLES else "latn"}
