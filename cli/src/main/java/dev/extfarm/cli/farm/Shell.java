package dev.extfarm.cli.farm;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Runs one of the repo's scripts with its output passed through, indented. */
final class Shell {

    private Shell() {
    }

    static boolean run(Path home, PrintWriter out, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                out.println("      " + line);
                out.flush();
            }
        }
        return p.waitFor() == 0;
    }
}
