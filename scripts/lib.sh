# shellcheck shell=bash
# Helpers shared by scripts/dev and scripts/test. Source it; it defines functions only.
#
#   atelier_init             cd to the repo root, set REPO_ROOT, install the cleanup traps
#   atelier_ensure_venv      .venv with the pinned nx-27017 (installs only when missing or wrong)
#   atelier_start_mongodb D  nx-27017 on a free port, data under .run/D, unless
#                            ATELIER_MONGODB_URI is already set (then it is used as is)
#   atelier_ensure_rabbitmq  RabbitMQ answering at ATELIER_AMQP_URL (starts a local one if it can)
#   atelier_run CMD...       runs CMD as a child that Ctrl-C reaches and SIGTERM is forwarded to;
#                            returns its exit status
#
# Everything started here is stopped by the EXIT trap, which also runs on Ctrl-C and SIGTERM:
# first the child of atelier_run, then nx-27017.

# The pinned MongoDB-compatible server used locally and in CI (MongoDB wire protocol on SQLite).
ATELIER_NX_PACKAGE="nx-27017"
ATELIER_STANDARDWEBHOOKS_PACKAGE="standardwebhooks==1.1.0"
# The OpenAPI validator the contract test runs over openapi/v1.json.
ATELIER_SPEC_VALIDATOR_PACKAGE="openapi-spec-validator==0.9.0"
ATELIER_NX_VERSION="0.8.1"
ATELIER_DEFAULT_AMQP_URL="amqp://guest:guest@127.0.0.1:5672/%2f"

# PIDs (each also a process-group id, see atelier_start_mongodb) and paths to clean up on exit.
ATELIER_CLEANUP_PGIDS=()
ATELIER_CLEANUP_DIRS=()
# The running child of atelier_run, and the signal that stopped us (if any).
ATELIER_CHILD_PID=
ATELIER_SIGNAL=

atelier_log() {
    printf '\033[1m[%s]\033[0m %s\n' "${0##*/}" "$*" >&2
}

atelier_die() {
    atelier_log "error: $*"
    exit 1
}

atelier_init() {
    REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    cd "$REPO_ROOT" || exit 1
    mkdir -p .run
    trap atelier_cleanup EXIT
    # Turn signals into a normal exit so the EXIT trap runs (exit codes as a shell reports them).
    trap 'ATELIER_SIGNAL=INT; exit 130' INT
    trap 'ATELIER_SIGNAL=TERM; exit 143' TERM
    trap 'ATELIER_SIGNAL=HUP; exit 129' HUP
}

# Runs "$@" and returns its exit status. Bash ignores SIGINT in background jobs; the subshell
# restores it, so Ctrl-C in a terminal reaches the child directly (same process group) and it can
# shut down in its own way. Running it in the background keeps this shell able to act on
# SIGTERM at once (a foreground child would delay our traps until it exits): atelier_cleanup
# forwards the signal.
atelier_run() {
    (
        trap - INT QUIT
        exec "$@"
    ) &
    ATELIER_CHILD_PID=$!
    local status=0
    wait "$ATELIER_CHILD_PID" || status=$?
    ATELIER_CHILD_PID=
    return "$status"
}

# Stops the atelier_run child: after Ctrl-C it already has SIGINT, so give it time first.
atelier_stop_child() {
    local pid=$ATELIER_CHILD_PID grace=0 waited=0
    [[ -n $pid ]] || return 0
    case $ATELIER_SIGNAL in
        INT) grace=100 ;; # tenths of a second
        *) kill -TERM "$pid" 2>/dev/null || true ;;
    esac
    while kill -0 "$pid" 2>/dev/null && ((waited < grace + 100)); do
        if ((waited == grace)); then kill -TERM "$pid" 2>/dev/null || true; fi
        sleep 0.1
        waited=$((waited + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
        atelier_log "child $pid still running; killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
    ATELIER_CHILD_PID=
}

# Stops every process group we started, politely first, then for good. Safe to call twice.
atelier_cleanup() {
    local status=$?
    trap - INT TERM HUP
    atelier_stop_child
    local pgid waited
    for pgid in "${ATELIER_CLEANUP_PGIDS[@]}"; do
        if kill -0 "$pgid" 2>/dev/null; then
            kill -TERM -- "-$pgid" 2>/dev/null || kill -TERM "$pgid" 2>/dev/null || true
            waited=0
            while kill -0 "$pgid" 2>/dev/null && ((waited < 50)); do
                sleep 0.1
                waited=$((waited + 1))
            done
            if kill -0 "$pgid" 2>/dev/null; then
                atelier_log "process $pgid ignored SIGTERM; killing it"
                kill -KILL -- "-$pgid" 2>/dev/null || kill -KILL "$pgid" 2>/dev/null || true
            fi
        fi
        # Reap it if it is our child; it may not be (already reaped), which is fine.
        wait "$pgid" 2>/dev/null || true
    done
    ATELIER_CLEANUP_PGIDS=()
    local dir
    for dir in "${ATELIER_CLEANUP_DIRS[@]}"; do
        rm -rf -- "$dir"
    done
    ATELIER_CLEANUP_DIRS=()
    return "$status"
}

# Prints a TCP port that was free a moment ago. The server we start binds it next; if another
# process wins that race, atelier_start_mongodb notices and retries with a new port.
atelier_free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# True when something accepts TCP connections at HOST PORT.
atelier_tcp_open() {
    timeout 1 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

atelier_ensure_venv() {
    local python=".venv/bin/python"
    if [[ ! -x $python ]]; then
        atelier_log "creating .venv"
        python3 -m venv .venv
    fi
    local installed
    installed="$("$python" - "$ATELIER_NX_PACKAGE" <<'EOF' 2>/dev/null || true
import sys
from importlib import metadata
try:
    print(metadata.version(sys.argv[1]))
except metadata.PackageNotFoundError:
    pass
EOF
)"
    if [[ $installed != "$ATELIER_NX_VERSION" ]]; then
        atelier_log "installing $ATELIER_NX_PACKAGE==$ATELIER_NX_VERSION into .venv (found: ${installed:-none})"
        "$python" -m pip install --quiet --disable-pip-version-check \
            "$ATELIER_NX_PACKAGE==$ATELIER_NX_VERSION"
    fi
    [[ -x .venv/bin/nx-27017 ]] || atelier_die ".venv/bin/nx-27017 missing after install"
    # The reference Standard Webhooks verifier; tests check our signatures with it.
    if ! "$python" -c 'import standardwebhooks' 2>/dev/null; then
        atelier_log "installing $ATELIER_STANDARDWEBHOOKS_PACKAGE into .venv"
        "$python" -m pip install --quiet --disable-pip-version-check \
            "$ATELIER_STANDARDWEBHOOKS_PACKAGE"
    fi
    # The stock OpenAPI validator; the contract test validates the committed spec with it.
    if ! "$python" -c 'import openapi_spec_validator' 2>/dev/null; then
        atelier_log "installing $ATELIER_SPEC_VALIDATOR_PACKAGE into .venv"
        "$python" -m pip install --quiet --disable-pip-version-check \
            "$ATELIER_SPEC_VALIDATOR_PACKAGE"
    fi
}

# atelier_start_mongodb NAME [--keep-data]
# Starts nx-27017 with its data in .run/NAME (wiped on exit unless --keep-data) and exports
# ATELIER_MONGODB_URI. Does nothing when ATELIER_MONGODB_URI is already set.
atelier_start_mongodb() {
    local name=$1 keep=${2:-}
    if [[ -n ${ATELIER_MONGODB_URI:-} ]]; then
        atelier_log "using ATELIER_MONGODB_URI from the environment"
        return 0
    fi
    atelier_ensure_venv
    local dir="$REPO_ROOT/.run/$name"
    mkdir -p "$dir/data"
    if [[ $keep != --keep-data ]]; then
        ATELIER_CLEANUP_DIRS+=("$dir")
    fi
    local attempt port pid waited
    for attempt in 1 2 3 4 5; do
        port="$(atelier_free_port)"
        # setsid: the server leads its own process group, so cleanup can stop it and anything it
        # spawns with one signal. (A background job of a non-interactive shell is never a group
        # leader, so setsid execs in place and $! is the server's own pid.)
        setsid .venv/bin/nx-27017 --data-dir "$dir/data" -p "$port" \
            --log-file "$dir/nx.log" --pid-file "$dir/nx.pid" \
            >"$dir/nx.stdout" 2>&1 </dev/null &
        pid=$!
        ATELIER_CLEANUP_PGIDS+=("$pid")
        waited=0
        while ((waited < 300)); do
            if ! kill -0 "$pid" 2>/dev/null; then
                break
            fi
            if atelier_tcp_open 127.0.0.1 "$port"; then
                export ATELIER_MONGODB_URI="mongodb://127.0.0.1:$port/?directConnection=true"
                # nx-27017 does not isolate concurrent transactions (see README): serialise them.
                export ATELIER_MONGODB_SERIALIZE_TRANSACTIONS=true
                atelier_log "nx-27017 (pid $pid) listening at $ATELIER_MONGODB_URI, data in .run/$name"
                return 0
            fi
            sleep 0.1
            waited=$((waited + 1))
        done
        if kill -0 "$pid" 2>/dev/null; then
            kill -KILL -- "-$pid" 2>/dev/null || true
            atelier_log "nx-27017 did not accept connections on port $port within 30s"
        else
            atelier_log "nx-27017 exited before listening on port $port (attempt $attempt; port taken?)"
        fi
        wait "$pid" 2>/dev/null || true
    done
    atelier_log "last nx-27017 output:"
    tail -n 20 "$dir/nx.stdout" "$dir/nx.log" >&2 2>/dev/null || true
    atelier_die "could not start nx-27017"
}

# Makes sure RabbitMQ answers at ATELIER_AMQP_URL (default: local guest/guest), starting the
# locally installed server when the URL points at this machine and nothing listens.
# The local broker's process id (the node, not a CLI tool's VM), or nothing.
atelier_rabbitmq_pid() {
    pgrep -u rabbitmq -f -- 'beam.smp.*rabbit boot' | head -n 1
}

# A local broker's open-files limit (soft), or nothing when none runs here.
atelier_rabbitmq_fd_limit() {
    local pid
    pid=$(atelier_rabbitmq_pid)
    [[ -n $pid && -r /proc/$pid/limits ]] || return 0
    awk '/^Max open files/ { print $4 }' "/proc/$pid/limits"
}

# Starts the local broker as its user with the hard open-files limit. Debian's wrapper starts
# it through `su`, which resets the limit to 1024; quorum queues keep files open, a test suite
# exhausts 1024, and the broker then accepts TCP but never answers.
atelier_start_local_rabbitmq() {
    if [[ $(id -u) == 0 ]] && id rabbitmq >/dev/null 2>&1 && [[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]]; then
        su rabbitmq -s /bin/sh -c 'ulimit -n "$(ulimit -Hn)"; cd /var/lib/rabbitmq && exec /usr/lib/rabbitmq/bin/rabbitmq-server -detached'
    else
        rabbitmq-server -detached
    fi
}

# CI only (the machine is ours): a local broker started with too few file descriptors (or one
# that stopped answering) is restarted with the hard limit. Its durable state is kept.
atelier_ci_roomy_rabbitmq() {
    local limit
    limit=$(atelier_rabbitmq_fd_limit)
    [[ -n $limit ]] || return 0
    if [[ $limit != unlimited ]] && ((limit < 16384)); then
        atelier_log "RabbitMQ runs with $limit open files at most; restarting it with the hard limit"
    elif timeout 30 rabbitmq-diagnostics -q check_running >/dev/null 2>&1; then
        return 0
    else
        atelier_log "RabbitMQ does not answer its diagnostics; restarting it"
    fi
    timeout 60 rabbitmqctl -q stop >/dev/null 2>&1 || true
    local pid waited=0
    pid=$(atelier_rabbitmq_pid)
    if [[ -n $pid ]]; then
        kill -TERM "$pid" 2>/dev/null || true
        while kill -0 "$pid" 2>/dev/null && ((waited < 30)); do
            sleep 1
            waited=$((waited + 1))
        done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    atelier_start_local_rabbitmq
    waited=0
    until rabbitmq-diagnostics -q ping >/dev/null 2>&1; do
        ((waited < 90)) || atelier_die "RabbitMQ did not come back within 90s (see /var/log/rabbitmq/)"
        sleep 1
        waited=$((waited + 1))
    done
    atelier_log "RabbitMQ restarted with $(atelier_rabbitmq_fd_limit) open files at most"
}

atelier_ensure_rabbitmq() {
    export ATELIER_AMQP_URL="${ATELIER_AMQP_URL:-$ATELIER_DEFAULT_AMQP_URL}"
    local host port
    read -r host port < <(python3 -c 'import sys, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
print(u.hostname or "127.0.0.1", u.port or (5671 if u.scheme == "amqps" else 5672))' "$ATELIER_AMQP_URL")
    if [[ ${ATELIER_CI:-} == 1 ]]; then
        atelier_ci_roomy_rabbitmq
    fi
    if atelier_tcp_open "$host" "$port"; then
        local limit
        limit=$(atelier_rabbitmq_fd_limit)
        if [[ -n $limit && $limit != unlimited ]] && ((limit < 16384)); then
            atelier_log "warning: RabbitMQ may open only $limit files; a test suite's quorum queues can exhaust that (then it stops answering). Restart it as its user with 'ulimit -n \$(ulimit -Hn)' (what .ci/run does)."
        fi
        return 0
    fi
    case $host in
        127.0.0.1 | localhost | ::1) ;;
        *) atelier_die "RabbitMQ at $host:$port (ATELIER_AMQP_URL) does not accept connections" ;;
    esac
    if [[ $port != 5672 ]]; then
        atelier_die "nothing listens at $host:$port (ATELIER_AMQP_URL); a local rabbitmq-server would listen on 5672, not starting it"
    fi
    if ! command -v rabbitmq-server >/dev/null 2>&1; then
        atelier_log "RabbitMQ is not running on $host:$port and rabbitmq-server is not installed."
        atelier_log "Install it (Debian/Ubuntu):   sudo apt-get install rabbitmq-server"
        atelier_log "or run it in Docker:          docker compose -f docker/compose.yml up -d rabbitmq"
        atelier_log "or point ATELIER_AMQP_URL at a running broker."
        exit 1
    fi
    atelier_log "RabbitMQ is down; starting it with 'rabbitmq-server -detached'"
    atelier_start_local_rabbitmq
    local waited=0
    until rabbitmq-diagnostics -q ping >/dev/null 2>&1 && atelier_tcp_open "$host" "$port"; do
        if ((waited >= 60)); then
            atelier_die "RabbitMQ did not come up within 60s (see /var/log/rabbitmq/)"
        fi
        sleep 1
        waited=$((waited + 1))
    done
    atelier_log "RabbitMQ is up after ${waited}s"
}
