package dev.extfarm.fetcher.install;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the fetcher put on disk for one bundle ({@code <state>/installed/<bundle>.json}).
 *
 * @param status   {@code available}: only its control files (phase 1); {@code installed}: whole, markers written
 * @param files    absolute path → sha-256 of a file, or {@code link:<target>} for a symbolic link
 * @param adopted  paths that already had exactly these bytes before (left in place on removal)
 * @param dir      prefix mode: the store directory the bundle's link points at
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record InstalledRecord(String name, String version, String sha256, String status, Map<String, String> files,
                              List<String> adopted, List<String> controls, List<String> libraries, boolean sharedPreload,
                              String dir, String installedAt) {

    public static final String AVAILABLE = "available";
    public static final String INSTALLED = "installed";

    public InstalledRecord {
        files = files == null ? Map.of() : new TreeMap<>(files);
        adopted = adopted == null ? List.of() : List.copyOf(adopted);
        controls = controls == null ? List.of() : List.copyOf(controls);
        libraries = libraries == null ? List.of() : List.copyOf(libraries);
    }

    public boolean installed() {
        return INSTALLED.equals(status);
    }

    public String label() {
        return name + " " + version;
    }
}
