package dev.extfarm.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.HashMap;
import java.util.Map;

/** Runs the real command line in-process and captures what it prints. */
public final class CliRun {

    public record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    private CliRun() {
    }

    public static Result run(String... args) {
        return run(System.getenv(), args);
    }

    /** With these environment variables on top of the JVM's (a value of null removes one). */
    public static Result withEnv(Map<String, String> extra, String... args) {
        Map<String, String> env = new HashMap<>(System.getenv());
        extra.forEach((k, v) -> {
            if (v == null) {
                env.remove(k);
            } else {
                env.put(k, v);
            }
        });
        return run(env, args);
    }

    private static Result run(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true), env);
        return new Result(code, out.toString(), err.toString());
    }
}
