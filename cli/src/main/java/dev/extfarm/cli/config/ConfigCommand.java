package dev.extfarm.cli.config;

import dev.extfarm.cli.output.OutputOption;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "config", mixinStandardHelpOptions = true,
        description = {"Read and write the config file ($XDG_CONFIG_HOME/extfarm/config, default ~/.config/extfarm/config):",
                "registry and token, optionally per profile. Flags and EXTFARM_* variables win over it."},
        footer = {"", "Example:", "  extfarm config set registry https://farm.example.org && extfarm config list"},
        subcommands = {ConfigCommand.Set.class, ConfigCommand.Get.class, ConfigCommand.Unset.class, ConfigCommand.ListKeys.class,
                ConfigCommand.PathOf.class})
public final class ConfigCommand {

    static final class ProfileOption {
        @Option(names = "--profile", paramLabel = "NAME", description = "a named profile instead of the top-level keys")
        String profile;
    }

    @Command(name = "set", mixinStandardHelpOptions = true,
            description = {"Set registry or token. The file is written with mode 0600.", "A token given as '-' is read from standard input."},
            footer = {"", "Examples:", "  extfarm config set registry http://127.0.0.1:7780",
                    "  echo \"$TOKEN\" | extfarm config set token - --profile staging"})
    static final class Set implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ProfileOption profile;
        @Parameters(index = "0", paramLabel = "KEY", description = "registry or token")
        String key;
        @Parameters(index = "1", paramLabel = "VALUE")
        String value;

        @Override
        public Integer call() throws Exception {
            String v = value;
            if (v.equals("-")) {
                v = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
                if (v == null) {
                    throw new ConfigException("no value on standard input");
                }
            }
            ConfigFile f = ConfigFile.set(profile.profile, key, v.strip());
            spec.commandLine().getErr().println("set " + ConfigFile.fullKey(profile.profile, key) + " in " + f.path());
            return 0;
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Print one value (exit 1 when it is not set).",
            footer = {"", "Example:", "  extfarm config get registry --profile staging"})
    static final class Get implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ProfileOption profile;
        @Parameters(paramLabel = "KEY", description = "registry or token")
        String key;

        @Override
        public Integer call() {
            ConfigFile f = ConfigFile.load();
            var v = f.get(profile.profile, key);
            if (v.isEmpty()) {
                spec.commandLine().getErr().println(ConfigFile.fullKey(profile.profile, key) + " is not set in " + f.path());
                return 1;
            }
            spec.commandLine().getOut().println(v.get());
            return 0;
        }
    }

    @Command(name = "unset", mixinStandardHelpOptions = true, description = "Remove one key.",
            footer = {"", "Example:", "  extfarm config unset token"})
    static final class Unset implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ProfileOption profile;
        @Parameters(paramLabel = "KEY", description = "registry or token")
        String key;

        @Override
        public Integer call() {
            ConfigFile.set(profile.profile, key, null);
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List every key; tokens are shown as their first 8 characters.",
            footer = {"", "Example:", "  extfarm config list --output json"})
    static final class ListKeys implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        OutputOption output;

        @Override
        public Integer call() throws Exception {
            ConfigFile f = ConfigFile.load();
            f.warning().ifPresent(spec.commandLine().getErr()::println);
            f.refusal().ifPresent(r -> spec.commandLine().getErr().println("warning: " + r));
            Map<String, String> shown = new LinkedHashMap<>();
            f.all().forEach((k, v) -> shown.put(k, k.equals("token") || k.endsWith(".token") ? mask(v) : v));
            if (output.json()) {
                spec.commandLine().getOut().println(OutputOption.indentedJson(Map.of("file", f.path().toString(), "values", shown)));
            } else {
                spec.commandLine().getErr().println("# " + f.path());
                shown.forEach((k, v) -> spec.commandLine().getOut().println(k + "=" + v));
            }
            return 0;
        }

        static String mask(String token) {
            return token.length() <= 8 ? "…" : token.substring(0, 8) + "…";
        }
    }

    @Command(name = "path", mixinStandardHelpOptions = true, description = "Print where the config file is (whether or not it exists).",
            footer = {"", "Example:", "  extfarm config path"})
    static final class PathOf implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().getOut().println(ConfigFile.location());
            return 0;
        }
    }
}
