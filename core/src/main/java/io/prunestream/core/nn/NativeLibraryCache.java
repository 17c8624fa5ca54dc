package io.prunestream.core.nn;

import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.Loader;

/**
 * Extracts the native libraries in jars into JavaCPP's cache, where JavaCPP looks first when ND4J
 * loads. An image that runs this at build time starts without unpacking its natives again in every
 * container (the CUDA build's are ~4 GB): {@code java -cp <jars>
 * io.prunestream.core.nn.NativeLibraryCache <jar>...}. The cache folder is JavaCPP's ({@code
 * ~/.javacpp/cache} or {@code -Dorg.bytedeco.javacpp.cachedir}); run it as the user and with the
 * jar paths the job will have.
 */
public final class NativeLibraryCache {

    /**
     * Shared libraries in JavaCPP's platform folders, e.g. {@code .../linux-x86_64-cudnn/x.so.8}.
     */
    static final Pattern NATIVE = Pattern.compile(".*/linux-x86_64[^/]*/[^/]+\\.so(\\.[0-9]+)*");

    private NativeLibraryCache() {}

    /** Caches every native library of {@code jar}; returns the cached files. */
    public static List<File> extract(Path jar) throws IOException {
        List<File> out = new ArrayList<>();
        try (JarFile file = new JarFile(jar.toFile())) {
            Enumeration<JarEntry> entries = file.entries();
            while (entries.hasMoreElements()) {
                JarEntry e = entries.nextElement();
                if (!e.isDirectory() && NATIVE.matcher(e.getName()).matches()) {
                    out.add(
                            Loader.cacheResource(
                                    new URL("jar:" + jar.toUri() + "!/" + e.getName())));
                }
            }
        }
        return out;
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            System.err.println("usage: NativeLibraryCache <jar>...");
            System.exit(2);
        }
        for (String a : args) {
            List<File> files = extract(Path.of(a).toAbsolutePath());
            System.out.println(
                    "prunestream: cached "
                            + files.size()
                            + " native libraries of "
                            + a
                            + " in "
                            + Loader.getCacheDir());
        }
    }
}
