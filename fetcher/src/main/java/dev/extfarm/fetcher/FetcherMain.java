package dev.extfarm.fetcher;

import dev.extfarm.fetcher.download.DownloadSettings;
import dev.extfarm.fetcher.endpoint.LocalEndpoint;
import dev.extfarm.fetcher.endpoint.Routes;
import dev.extfarm.fetcher.http.ExitWithoutDelay;
import dev.extfarm.fetcher.http.LazyHttpClient;
import dev.extfarm.fetcher.install.PgLayout;
import dev.extfarm.fetcher.report.FetchException;
import dev.extfarm.fetcher.report.Log;
import dev.extfarm.fetcher.spec.SpecSource;
import dev.extfarm.fetcher.trust.Trust;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.URLEncoder;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * {@code extfarm fetch <prepare|serve|install|status|recover> [options]}, without picocli so the
 * jar starts fast and the CLI module can call {@link #run} directly. Exit codes: 0 done, 1 failed
 * (the message says why), 2 usage.
 */
public final class FetcherMain {

    static final String USAGE = """
            usage: extfarm fetch <command> [options]     (extfarm fetch <command> --help: that command's options)
              prepare   phases 1-2: control files, shared-preload bundles; exit 0 = ready to start PostgreSQL
              serve     prepare, then phases 3-4 in the background, the local endpoint and spec refreshes
              install   install the named extensions now (extfarm fetch install vector postgis ...)
              status    print GET /status of a running 'serve' (--listen or --socket)
              recover   roll back or complete interrupted installs, check every installed bundle, exit
            """ + Help.OPTIONS;

    /** What {@code extfarm fetch <command> --help} prints (exit 0). */
    static final class Help {
        static final String OPTIONS = """
                spec:     --spec-file F | --spec-url URL | --registry URL [--pg N] [--platform P]
                          --token-file F (default: $EXTFARM_COMPUTE_TOKEN)
                target:   --pg-config PATH | --share-dir D --lib-dir D [--bin-dir D] | --prefix D (PostgreSQL 18)
                preload:  --postgresql-conf F | --shared-preload-libraries a,b --session-preload-libraries .. --local-preload-libraries ..
                trust:    --trusted-keys F (JWK Set; repeatable) | --trust-registry-keys (read GET /api/v1/keys of the registry)
                          | --allow-unsigned (local development only: signatures are not checked)
                state:    --state-dir D (default /var/lib/extfarm/fetcher)  --cache-dir D (default <state>/cache)
                          --cache-limit 1G (verified bundles kept; least recently used ones no database uses go first; 0 = no limit)
                endpoint: --listen [127.0.0.1:]PORT  --socket PATH  --port-file F  --ready-file F
                tuning:   --concurrency N (2; background, and 'install' of several) --bandwidth 10M (bytes/s, background only) --refresh 5m (0 = off)
                          --hold-background 30s (phase 4 waits this long at most for pg_extfarm to say that
                          PostgreSQL accepts connections; 0 = start it right after phase 3)
                          --staging-quota 2G --timeout 30s --retries 8 --ldconfig PATH --system-lib-dir D
                          --psql PATH --pg-conn 'host=... port=... user=...' (read pg_extension once PostgreSQL runs)
                          --postgres PATH (the server binary whose symbols bundles are checked against; default <bindir>/postgres)
                          --progress auto|bar|plain
                exit:     0 done, 1 failed (the message starts with its error code, e.g. file-conflict), 2 usage
                """;

        private Help() {
        }

        /** The help of one command, or null for an unknown one. */
        static String of(String command) {
            String head = switch (command) {
                case "prepare" -> """
                        usage: extfarm fetch prepare [options]
                          Phases 1-2: the control files of every extension in the compute spec, then the bundles of
                          shared_preload_libraries (and what they require). Prints "ready to start PostgreSQL" and exits 0
                          once PostgreSQL can start (--ready-file F is written then too).
                        """;
                case "serve" -> """
                        usage: extfarm fetch serve [options]
                          prepare, then phases 3-4 in the background (session/local preload and created extensions, then
                          the rest), the local endpoint (--listen, --socket) for pg_extfarm and spec refreshes (--refresh,
                          POST /refresh, SIGHUP). Runs until stopped.
                        """;
                case "install" -> """
                        usage: extfarm fetch install NAME... [options]
                          Installs the bundles carrying these extensions (and what they require) now, --concurrency at a
                          time, and exits; one line per name, in the order given. --wait 1h bounds the wait for each.
                        """;
                case "recover" -> """
                        usage: extfarm fetch recover [options]
                          Rolls back or completes installs a crash interrupted, then checks every installed bundle on disk:
                          one line per bundle ("ok" or "DAMAGED"); exit 1 if one is damaged.
                        """;
                case "status" -> """
                        usage: extfarm fetch status --listen [127.0.0.1:]PORT | --socket PATH
                          Prints GET /status of a running 'extfarm fetch serve': phases, the spec, and each bundle's state
                          and error (with its error code).
                        """;
                default -> null;
            };
            if (head == null) {
                return null;
            }
            return command.equals("status") ? head : head + "options:\n" + OPTIONS;
        }
    }

    private FetcherMain() {
    }

    public static void main(String[] args) {
        if (StartupWarmUp.pays(args)) {
            StartupWarmUp.start(); // first: it overlaps the JVM's one-time work with option parsing and the spec
        }
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        int rc = run(args, out, err);
        out.flush();
        err.flush();
        ExitWithoutDelay.stopHttpSelectors();
        System.exit(rc);
    }

    /** Runs one command; logs go to {@code err}, results (status JSON, install results) to {@code out}. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        DownloadSettings.preferLargeHttpBuffers(); // before the first HttpClient of this JVM
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            out.print(USAGE);
            out.flush();
            return args.length == 0 ? 2 : 0;
        }
        String command = args[0];
        if (Arrays.stream(args).skip(1).anyMatch(a -> a.equals("--help") || a.equals("-h")) && Help.of(command) != null) {
            out.print(Help.of(command));
            out.flush();
            return 0;
        }
        CliOptions o;
        try {
            o = CliOptions.parse(Arrays.copyOfRange(args, 1, args.length));
        } catch (IllegalArgumentException e) {
            err.println("extfarm fetch: " + e.getMessage());
            err.print(USAGE);
            err.flush();
            return 2;
        }
        try {
            return switch (command) {
                case "status" -> status(o, out, err);
                case "prepare", "serve", "install", "recover" -> withFetcher(command, o, out, err);
                default -> {
                    err.println("extfarm fetch: unknown command '" + command + "'");
                    err.print(USAGE);
                    err.flush();
                    yield 2;
                }
            };
        } catch (IllegalArgumentException e) {
            err.println("extfarm fetch: " + e.getMessage());
            err.flush();
            return 2;
        } catch (FetchException e) {
            err.println("extfarm fetch: " + e.describe());
            err.flush();
            return 1;
        } catch (IOException e) {
            err.println("extfarm fetch: " + e);
            err.flush();
            return 1;
        }
    }

    private static int withFetcher(String command, CliOptions o, PrintWriter out, PrintWriter err) throws FetchException, IOException {
        boolean terminal = switch (o.one("progress", "auto")) {
            case "bar" -> true;
            case "plain" -> false;
            default -> System.console() != null && !"dumb".equals(System.getenv("TERM"));
        };
        Log log = new Log(err, terminal);
        FetcherSettings settings = settings(o);
        try (Fetcher fetcher = new Fetcher(settings, log)) {
            switch (command) {
                case "prepare" -> {
                    fetcher.prepare();
                    touch(o.one("ready-file", null));
                    out.println("ready to start PostgreSQL");
                    out.flush();
                    return 0;
                }
                case "recover" -> {
                    fetcher.recover();
                    int bad = 0;
                    for (var r : fetcher.state().all()) {
                        List<String> problems = fetcher.installer().problems(r);
                        problems.forEach(p -> err.println("extfarm fetch: " + r.label() + ": " + p));
                        bad += problems.isEmpty() ? 0 : 1;
                        out.println(r.name() + " " + r.version() + " " + r.status() + (problems.isEmpty() ? " ok" : " DAMAGED"));
                    }
                    out.flush();
                    return bad == 0 ? 0 : 1;
                }
                case "install" -> {
                    // it downloads: the HTTP client's set-up overlaps recovery and the spec instead of the first request
                    fetcher.http().buildInBackground();
                    fetcher.recover();
                    // prefix mode (18): extfarm.conf names every bundle of the spec, as prepare writes it,
                    // so PostgreSQL finds what install put there without a prepare first
                    fetcher.installer().specChanged(fetcher.specs().loadAtStart());
                    if (o.positional.isEmpty()) {
                        throw new IllegalArgumentException("name the extensions to install");
                    }
                    Duration timeout = o.duration("wait", Duration.ofHours(1));
                    fetcher.requestExtensions(o.positional, timeout, r -> out.println(r.name() + ": " + r.state()
                            + (r.bundle() == null ? "" : " (" + r.bundle() + " " + r.version() + ")")));
                    out.flush();
                    return 0;
                }
                default -> {
                    return serve(fetcher, o, out, log);
                }
            }
        }
    }

    private static int serve(Fetcher fetcher, CliOptions o, PrintWriter out, Log log) throws FetchException, IOException {
        try (LocalEndpoint endpoint = new LocalEndpoint(new Routes(fetcher))) {
            String listen = o.one("listen", null);
            if (listen != null) {
                int port = endpoint.listen(Integer.parseInt(listen.substring(listen.lastIndexOf(':') + 1)));
                log.info("endpoint: http://127.0.0.1:" + port + "/status");
                String portFile = o.one("port-file", null);
                if (portFile != null) {
                    Files.writeString(Path.of(portFile), port + "\n");
                }
            }
            String socket = o.one("socket", null);
            if (socket != null) {
                endpoint.listenUnix(Path.of(socket));
                log.info("endpoint: unix socket " + socket);
            }
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
            onSighup(fetcher, log);
            fetcher.prepare();
            touch(o.one("ready-file", null));
            out.println("ready to start PostgreSQL");
            out.flush();
            fetcher.startBackground();
            try {
                stop.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return 0;
        }
    }

    @SuppressWarnings("restriction")
    private static void onSighup(Fetcher fetcher, Log log) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), s -> new Thread(() -> {
                try {
                    fetcher.refresh();
                } catch (FetchException e) {
                    log.info("refresh (SIGHUP): " + e.getMessage());
                }
            }, "fetch-sighup").start());
        } catch (IllegalArgumentException | LinkageError e) {
            log.info("SIGHUP is not available here; use POST /refresh");
        }
    }

    /** {@code --trusted-keys F} (repeatable), {@code --trust-registry-keys}, or {@code --allow-unsigned}; one is required. */
    static Trust trust(CliOptions o, URI registryKeys) throws IOException {
        if (o.has("allow-unsigned")) {
            if (o.has("trusted-keys") || o.has("trust-registry-keys")) {
                throw new IllegalArgumentException("--allow-unsigned cannot be combined with --trusted-keys or --trust-registry-keys");
            }
            return Trust.unsigned();
        }
        Trust t = Trust.files(o.all("trusted-keys").stream().map(Path::of).toList());
        if (o.has("trust-registry-keys")) {
            if (registryKeys == null) {
                throw new IllegalArgumentException("--trust-registry-keys needs --registry URL or --spec-url URL (with --spec-file, "
                        + "give --trusted-keys FILE)");
            }
            t = t.withRegistryKeys(registryKeys);
        } else if (!o.has("trusted-keys")) {
            throw new IllegalArgumentException("no trusted signing keys: " + Trust.HOW);
        }
        return t;
    }

    private static void touch(String file) throws IOException {
        if (file != null) {
            Files.writeString(Path.of(file), "ready\n");
        }
    }

    private static int status(CliOptions o, PrintWriter out, PrintWriter err) throws IOException {
        String socket = o.one("socket", null);
        String listen = o.one("listen", null);
        String body;
        if (socket != null) {
            body = unixGet(Path.of(socket), "/status");
        } else if (listen != null) {
            int port = Integer.parseInt(listen.substring(listen.lastIndexOf(':') + 1));
            try {
                body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/status")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 1;
            }
        } else {
            throw new IllegalArgumentException("status needs --listen PORT or --socket PATH of the running 'serve'");
        }
        out.print(body);
        out.flush();
        return 0;
    }

    /** A GET over a unix socket (for 'status' and tests). */
    public static String unixGet(Path socket, String path) throws IOException {
        return unixRequest(socket, "GET", path);
    }

    public static String unixRequest(Path socket, String method, String path) throws IOException {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(socket));
            OutputStream os = Channels.newOutputStream(c);
            os.write((method + " " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            os.flush();
            InputStream in = Channels.newInputStream(c);
            String resp = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return resp;
        }
    }

    static FetcherSettings settings(CliOptions o) throws FetchException, IOException {
        FetcherSettings.Builder b = FetcherSettings.builder();
        PgLayout layout;
        Integer pgMajor = o.has("pg") ? Integer.parseInt(o.one("pg", null)) : null;
        if (o.has("pg-config")) {
            Path pgConfig = Path.of(o.one("pg-config", null));
            layout = PgLayout.fromPgConfig(pgConfig);
            if (pgMajor == null) {
                pgMajor = PgLayout.majorFromPgConfig(pgConfig);
            }
        } else if (o.has("prefix")) {
            layout = PgLayout.prefix(Path.of(o.one("prefix", null)));
        } else if (o.has("share-dir") && o.has("lib-dir")) {
            layout = PgLayout.shared(Path.of(o.one("share-dir", null)), Path.of(o.one("lib-dir", null)),
                    o.has("bin-dir") ? Path.of(o.one("bin-dir", null)) : null);
        } else {
            throw new IllegalArgumentException("say where PostgreSQL is: --pg-config PATH, --share-dir D --lib-dir D, or --prefix D");
        }
        b.layout(layout);
        Duration timeout = o.duration("timeout", Duration.ofSeconds(30));
        b.download(new DownloadSettings(timeout, Integer.parseInt(o.one("retries", "8")), Duration.ofMillis(250), Duration.ofSeconds(10)));
        URI registryKeys = null;
        if (o.has("spec-file")) {
            b.spec(SpecSource.file(Path.of(o.one("spec-file", null))));
        } else if (o.has("spec-url") || o.has("registry")) {
            String url = o.one("spec-url", null);
            if (url == null) {
                if (pgMajor == null) {
                    throw new IllegalArgumentException("--registry needs --pg N (or --pg-config)");
                }
                String platform = o.one("platform", null);
                if (platform == null) {
                    throw new IllegalArgumentException("--registry needs --platform, e.g. debian-12-amd64-glibc");
                }
                url = o.one("registry", null).replaceAll("/+$", "") + "/api/v1/compute/spec?pg=" + pgMajor + "&platform="
                        + URLEncoder.encode(platform, StandardCharsets.UTF_8);
            }
            String token = o.has("token-file") ? Files.readString(Path.of(o.one("token-file", null))).strip()
                    : System.getenv("EXTFARM_COMPUTE_TOKEN");
            b.spec(SpecSource.registry(LazyHttpClient.create(timeout, null), URI.create(url), token, timeout));
            registryKeys = URI.create(url).resolve("/api/v1/keys");
        } else {
            throw new IllegalArgumentException("say where the compute spec is: --spec-file F, --spec-url URL or --registry URL");
        }
        if (o.has("postgresql-conf")) {
            b.preload(PostgresqlConf.read(Path.of(o.one("postgresql-conf", null))));
        } else {
            b.preload(new FetcherSettings.Preload(PostgresqlConf.list(o.one("shared-preload-libraries", null)),
                    PostgresqlConf.list(o.one("session-preload-libraries", null)), PostgresqlConf.list(o.one("local-preload-libraries", null))));
        }
        Path state = Path.of(o.one("state-dir", "/var/lib/extfarm/fetcher"));
        b.stateDir(state);
        if (o.has("cache-dir")) {
            b.cacheDir(Path.of(o.one("cache-dir", null)));
        }
        b.concurrency(Integer.parseInt(o.one("concurrency", "2")));
        b.bandwidth(CliOptions.size(o.one("bandwidth", "0")));
        b.refresh(o.duration("refresh", Duration.ofMinutes(5)));
        b.backgroundHold(o.duration("hold-background", Duration.ofSeconds(30)));
        b.stagingQuota(CliOptions.size(o.one("staging-quota", "0")));
        if (o.has("cache-limit")) {
            b.cacheLimit(CliOptions.size(o.one("cache-limit", null)));
        }
        b.ldconfig(o.one("ldconfig", "ldconfig"));
        if (o.has("postgres")) {
            b.postgres(Path.of(o.one("postgres", null)));
        }
        b.systemLibDirs(o.all("system-lib-dir").stream().map(Path::of).toList());
        if (o.has("psql") || o.has("pg-conn")) {
            b.psql(new PgCatalog(o.one("psql", "psql"), o.one("pg-conn", "")));
        }
        b.trust(trust(o, registryKeys));
        return b.build();
    }
}
