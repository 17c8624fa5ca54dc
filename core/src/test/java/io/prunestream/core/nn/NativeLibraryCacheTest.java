package io.prunestream.core.nn;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.bytedeco.javacpp.Loader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeLibraryCacheTest {

    @Test
    void cachesTheNativesWhereJavaCppLooksAndJavaCppReusesThem(@TempDir Path tmp)
            throws IOException {
        Path jar = tmp.resolve("prunestream-natives-test-" + System.nanoTime() + ".jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            put(out, "org/example/linux-x86_64-cudnn/libexample.so", "native");
            put(out, "org/example/linux-x86_64/libexample.so.11.0", "versioned");
            put(out, "org/example/Example.class", "not native");
            put(out, "org/example/windows-x86_64/example.dll", "other platform");
        }
        File cacheDir = Loader.getCacheDir();
        try {
            List<File> cached = NativeLibraryCache.extract(jar);
            assertThat(cached)
                    .extracting(f -> cacheDir.toPath().relativize(f.toPath()).toString())
                    .containsExactlyInAnyOrder(
                            jar.getFileName() + "/org/example/linux-x86_64-cudnn/libexample.so",
                            jar.getFileName() + "/org/example/linux-x86_64/libexample.so.11.0");
            File lib = cached.stream().filter(f -> f.getName().endsWith(".so")).findFirst().get();
            assertThat(Files.readString(lib.toPath())).isEqualTo("native");
            // mark the cached copy (same size and time stamp, which is what JavaCPP compares)
            long modified = lib.lastModified();
            Files.writeString(lib.toPath(), "NATIVE");
            assertThat(lib.setLastModified(modified)).isTrue();
            // what JavaCPP does when ND4J loads: the cached file is reused, not extracted again
            String entry = "org/example/linux-x86_64-cudnn/libexample.so";
            File again = Loader.cacheResource(new URL("jar:" + jar.toUri() + "!/" + entry));
            assertThat(again).isEqualTo(lib);
            assertThat(Files.readString(again.toPath())).isEqualTo("NATIVE");
        } finally {
            Path dir = cacheDir.toPath().resolve(jar.getFileName().toString());
            if (Files.exists(dir)) {
                try (Stream<Path> files = Files.walk(dir)) {
                    files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
                }
            }
        }
    }

    private static void put(JarOutputStream out, String name, String content) throws IOException {
        out.putNextEntry(new JarEntry(name));
        OutputStream o = out;
        o.write(content.getBytes(StandardCharsets.UTF_8));
        out.closeEntry();
    }
}
