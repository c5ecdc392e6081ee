# Sourced by the benchmarks that compare with nginx (Debian's package): one worker, sendfile,
# keep-alive, no access log, every temp path inside the benchmark's own directory.
#   nginx_conf DIR PORT ROOT [SERVER_DIRECTIVES]   writes DIR/nginx.conf
#   nginx_run DIR [PREFIX_COMMAND...]              runs nginx in the foreground (background it yourself)
nginx_conf() {
  local dir="$1" port="$2" root="$3" extra="${4:-}"
  mkdir -p "$dir"
  cat > "$dir/nginx.conf" <<NGX
worker_processes 1;
daemon off;
error_log $dir/error.log warn;
pid $dir/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  types { application/x-tar tar; }
  client_body_temp_path $dir/body; proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi; uwsgi_temp_path $dir/uwsgi; scgi_temp_path $dir/scgi;
  server {
    listen 127.0.0.1:$port;
    root $root;
    $extra
  }
}
NGX
}

nginx_run() {
  local dir="$1"; shift
  # exec: a caller that backgrounds this gets nginx's own pid in $!, so that killing it stops nginx
  exec "$@" "${NGINX:-/usr/sbin/nginx}" -c "$dir/nginx.conf" -p "$dir"
}
