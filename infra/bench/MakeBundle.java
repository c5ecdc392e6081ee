import dev.extfarm.bundle.BundleManifest;
import dev.extfarm.bundle.BundleWriter;
import dev.extfarm.bundle.Platform;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/** java -cp <bundle jars> MakeBundle.java NAME LIB_BYTES OUT.tar [PG_MAJOR, default 17] → prints the sha-256 (benchmark fixture). */
public class MakeBundle {
    public static void main(String[] a) throws Exception {
        String name = a[0];
        int size = Integer.parseInt(a[1]);
        Path tree = Files.createTempDirectory("bench-tree");
        Files.createDirectories(tree.resolve("share/extension"));
        Files.writeString(tree.resolve("share/extension/" + name + ".control"), "default_version = '1.0'\n");
        Files.createDirectories(tree.resolve("lib"));
        byte[] lib = new byte[size];
        new Random(size).nextBytes(lib);
        Files.write(tree.resolve("lib/" + name + ".so"), lib);
        int pgMajor = a.length > 3 ? Integer.parseInt(a[3]) : 17;
        var m = BundleManifest.builder().name(name).version("1.0").pgMajor(pgMajor)
                .platform(Platform.parse("debian-12-amd64-glibc")).extensions(List.of(name)).license("PostgreSQL").build();
        System.out.println(BundleWriter.pack(tree, m, 0, Path.of(a[2])).sha256());
    }
}
