package io.prunestream.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A program in a child JVM on this JVM's class path, so a test can kill it with SIGKILL. The child
 * exits by itself when this JVM dies (it watches its stdin, which this JVM holds open).
 */
public final class ChildJvm {
    private ChildJvm() {}

    /** Starts {@code mainClass} with {@code args}; stdout and stderr go to {@code log}. */
    public static Process start(
            Path workDir,
            List<String> jvmOptions,
            Map<String, String> env,
            String mainClass,
            List<String> args,
            Path log)
            throws IOException {
        Files.createDirectories(workDir);
        Path cp = workDir.resolve("classpath.args");
        String classPath = LocalKafkaBroker.childClassPath(ChildJvm.class.getClassLoader());
        Files.writeString(
                cp, "-cp \"" + classPath.replace("\\", "\\\\").replace("\"", "\\\"") + "\"\n");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add("@" + cp);
        cmd.add(Main.class.getName());
        cmd.add(mainClass);
        cmd.addAll(args);
        ProcessBuilder pb =
                new ProcessBuilder(cmd)
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(env);
        return pb.start();
    }

    /** Runs the real main class; exits when the parent's end of stdin closes. */
    public static final class Main {
        private Main() {}

        public static void main(String[] args) throws Exception {
            Thread watch =
                    new Thread(
                            () -> {
                                try {
                                    while (System.in.read() != -1) {
                                        // the parent never writes; -1 means it died
                                    }
                                } catch (IOException e) {
                                    // a broken pipe means the same
                                }
                                Runtime.getRuntime().halt(3);
                            },
                            "parent watch");
            watch.setDaemon(true);
            watch.start();
            String[] rest = new String[args.length - 1];
            System.arraycopy(args, 1, rest, 0, rest.length);
            Class.forName(args[0]).getMethod("main", String[].class).invoke(null, (Object) rest);
        }
    }
}
