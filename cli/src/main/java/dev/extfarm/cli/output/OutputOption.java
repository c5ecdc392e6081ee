package dev.extfarm.cli.output;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import picocli.CommandLine.Option;

/** {@code --output text|json} for list-like commands. */
public final class OutputOption {

    private static final ObjectWriter INDENTED = new ObjectMapper().writerWithDefaultPrettyPrinter();

    public enum Format { text, json }

    @Option(names = {"-O", "--output"}, defaultValue = "text", description = "text or json (default: ${DEFAULT-VALUE})")
    public Format format;

    public boolean json() {
        return format == Format.json;
    }

    /** {@code value} as indented JSON: what {@code --output json} prints. */
    public static String indentedJson(Object value) throws JsonProcessingException {
        return INDENTED.writeValueAsString(value);
    }
}
