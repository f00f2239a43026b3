#!/usr/bin/env python3
"""Start and stop the development OpenSearch cluster: one JVM per node, on 127.0.0.1.

    python3 opensearch/cluster.py start          # every node, then wait for green
    python3 opensearch/cluster.py stop           # every node
    python3 opensearch/cluster.py stop-node 2    # one node (tests use it)
    python3 opensearch/cluster.py start-node 2
    python3 opensearch/cluster.py status

The launcher (``ClusterNode``) is built by ``make opensearch`` with Maven.
Node i serves HTTP on OPENSEARCH_HTTP_PORT + i and transport on
OPENSEARCH_TRANSPORT_PORT + i; its data, log and pid file live under
var/opensearch/ (git ignores var/). Standard library only: it runs before
the virtualenv exists.
"""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = Path(os.environ.get("OPENSEARCH_HOME", HERE.parent / "var" / "opensearch"))
NODES = int(os.environ.get("OPENSEARCH_NODES", "3"))
HTTP_PORT = int(os.environ.get("OPENSEARCH_HTTP_PORT", "9200"))
TRANSPORT_PORT = int(os.environ.get("OPENSEARCH_TRANSPORT_PORT", "9300"))
# Per node. Three nodes of 512 MB hold the SaudiNewsNet corpus (31,000
# articles, two shards and a replica) with room to spare.
HEAP = os.environ.get("OPENSEARCH_HEAP", "512m")
START_TIMEOUT = float(os.environ.get("OPENSEARCH_START_TIMEOUT", "180"))
JAVA_OPTIONS = [
    f"-Xms{HEAP}",
    f"-Xmx{HEAP}",
    "-XX:+UseSerialGC",
    # Netty may set the processor count once per JVM; leave it to each node.
    "-Dopensearch.set.netty.runtime.available.processors=false",
    # log4j-core's default configuration: warnings and errors to the node's log.
    "-Dlog4j2.level=WARN",
    "-Dlog4j2.disable.jmx=true",
    "-Dfile.encoding=UTF-8",
    "-Djava.awt.headless=true",
]


def node_home(number):
    return ROOT / f"node-{number}"


def pid_file(number):
    return ROOT / f"node-{number}.pid"


def running_pid(number):
    """The pid of node ``number`` if its process is alive, else None."""
    try:
        pid = int(pid_file(number).read_text())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    # A pid may be reused after a reboot: check it is our java.
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return pid
    return pid if b"org.newsarchive.cluster.ClusterNode" in cmdline else None


def classpath():
    target = HERE / "target"
    jars = sorted((target / "lib").glob("*.jar"))
    launcher = target / "opensearch-cluster-1.0.jar"
    if not jars or not launcher.exists():
        sys.exit("The launcher is not built: run `make opensearch` (it runs Maven once).")
    return os.pathsep.join([str(launcher)] + [str(jar) for jar in jars])


def start_node(number):
    if running_pid(number):
        return
    home = node_home(number)
    home.mkdir(parents=True, exist_ok=True)
    log = open(ROOT / f"node-{number}.log", "ab")
    command = ["java", *JAVA_OPTIONS, f"-Djava.io.tmpdir={home / 'tmp'}", "-cp", classpath(),
               "org.newsarchive.cluster.ClusterNode", str(number), str(NODES), str(home),
               str(HTTP_PORT), str(TRANSPORT_PORT)]
    (home / "tmp").mkdir(exist_ok=True)
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                               start_new_session=True)
    pid_file(number).write_text(str(process.pid))


def stop_node(number, timeout=60):
    pid = running_pid(number)
    if pid is None:
        pid_file(number).unlink(missing_ok=True)
        return
    os.kill(pid, signal.SIGTERM)  # the node closes itself in a shutdown hook
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and running_pid(number):
        time.sleep(0.2)
    if running_pid(number):
        os.kill(pid, signal.SIGKILL)
    pid_file(number).unlink(missing_ok=True)


def health(port=HTTP_PORT, **params):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_cluster/health?{query}", timeout=70) as response:
        return json.load(response)


def wait_for(status="green", nodes=None, timeout=START_TIMEOUT):
    """Wait until some node answers that the cluster is ``status`` with ``nodes`` nodes."""
    nodes = NODES if nodes is None else nodes
    deadline = time.monotonic() + timeout
    last = "no node answered"
    while time.monotonic() < deadline:
        for number in range(NODES):
            if not running_pid(number):
                continue
            try:
                state = health(HTTP_PORT + number, wait_for_status=status, wait_for_nodes=nodes, timeout="5s")
            except (OSError, urllib.error.URLError, ValueError) as error:
                last = str(error)
                continue
            if not state.get("timed_out") and state.get("number_of_nodes") == nodes:
                return state
            last = f"{state.get('status')} with {state.get('number_of_nodes')} nodes"
        time.sleep(1)
    raise SystemExit(f"The cluster did not become {status} with {nodes} nodes in {timeout:.0f} s ({last}); "
                     f"see {ROOT}/node-*.log")


def main(argv):
    command = argv[1] if len(argv) > 1 else "status"
    ROOT.mkdir(parents=True, exist_ok=True)
    if command == "start":
        for number in range(NODES):
            start_node(number)
        state = wait_for("green")
        print(f"OpenSearch cluster {state['cluster_name']}: {state['status']}, {state['number_of_nodes']} nodes, "
              f"http://127.0.0.1:{HTTP_PORT}-{HTTP_PORT + NODES - 1}")
    elif command == "stop":
        for number in range(NODES):
            stop_node(number)
        print("OpenSearch cluster stopped")
    elif command == "start-node":
        start_node(int(argv[2]))
    elif command == "stop-node":
        stop_node(int(argv[2]))
    elif command == "status":
        for number in range(NODES):
            pid = running_pid(number)
            print(f"node-{number}: {'running, pid ' + str(pid) if pid else 'stopped'}")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
