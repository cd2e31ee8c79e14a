# Shared helpers for the benchmark scripts: installs, nginx on loopback, medians.

# Installs Debian packages that are missing (wrk, nginx, ...).
need_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]} from Debian's packages..." >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
  fi
}

# The release hotpath binary: $HOTPATH_BIN, or built now.
hotpath_bin() {
  if [ -n "${HOTPATH_BIN:-}" ]; then echo "$HOTPATH_BIN"; return; fi
  swift build -c release --product hotpath >&2
  echo "$(swift build -c release --show-bin-path)/hotpath"
}

# The release hotpath-bench binary: $HOTPATH_BENCH_BIN, or built now.
bench_bin() {
  if [ -n "${HOTPATH_BENCH_BIN:-}" ]; then echo "$HOTPATH_BENCH_BIN"; return; fi
  swift build -c release --product hotpath-bench >&2
  echo "$(swift build -c release --show-bin-path)/hotpath-bench"
}

# Starts nginx with one worker serving a 6-byte file on 127.0.0.1:$1 (HTTP/1.1) and, when
# given, on 127.0.0.1:$2 over HTTP/2 with prior knowledge (h2c); sets NGINX_DIR.
start_nginx() {
  local port=$1 h2c_port=${2:-}
  NGINX_DIR=$(mktemp -d)
  mkdir -p "$NGINX_DIR/www" "$NGINX_DIR/logs"
  chmod 755 "$NGINX_DIR" "$NGINX_DIR/www"
  printf 'hello\n' > "$NGINX_DIR/www/index.html"
  chmod 644 "$NGINX_DIR/www/index.html"
  cat > "$NGINX_DIR/nginx.conf" <<CONF
worker_processes 1;
daemon on;
pid $NGINX_DIR/nginx.pid;
error_log $NGINX_DIR/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 120s;
  server {
    listen 127.0.0.1:$port;
    root $NGINX_DIR/www;
  }
  ${h2c_port:+server { listen 127.0.0.1:$h2c_port http2; root $NGINX_DIR/www; }}
}
CONF
  nginx -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf"
  wait_for_port "$port" nginx
}

# Waits up to 5 s until something accepts connections on 127.0.0.1:$1 ($2 names it).
wait_for_port() {
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "$2 did not start on port $1" >&2
  return 1
}

stop_nginx() {
  if [ -n "${NGINX_DIR:-}" ] && [ -f "$NGINX_DIR/nginx.pid" ]; then
    kill "$(cat "$NGINX_DIR/nginx.pid")" 2>/dev/null || true
    sleep 0.3
  fi
  [ -n "${NGINX_DIR:-}" ] && rm -rf "$NGINX_DIR"
}

# Median of the numbers given as arguments.
median() {
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Requests/sec from wrk-style output (both tools print that line).
requests_per_sec() {
  awk '/^Requests\/sec:/ { print $2 }'
}

# Runs a command with its output in the file $RUN_OUT (set by the caller: the function runs in
# a subshell of $(...)) and prints "user system" CPU seconds of it and its children, as the
# kernel accounts them (/usr/bin/time).
cpu_run() {
  local times
  times=$(mktemp)
  /usr/bin/time -f '%U %S' -o "$times" "$@" > "$RUN_OUT" 2>/dev/null || true
  tail -1 "$times"
  rm -f "$times"
}

# Completed requests from wrk's or hotpath's output ("N requests in ...").
requests_done() {
  awk '/ requests in / { print $1; exit }'
}

# Succeeded requests from h2load's output ("requests: N total, N started, N done, N succeeded").
h2load_done() {
  awk '/^requests:/ { for (i = 1; i <= NF; i++) if ($(i + 1) ~ /^succeeded/) print $i }' | tr -d ','
}

# Microseconds of CPU per request: cpu_per_request "user system" requests
cpu_per_request() {
  awk -v t="$1" -v n="$2" 'BEGIN { split(t, a, " "); printf "%.2f", (a[1] + a[2]) * 1e6 / (n > 0 ? n : 1) }'
}
