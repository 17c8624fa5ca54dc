package io.prunestream.job;

import io.prunestream.testing.LocalFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The processes the cluster check starts, each logging to its own file: stopped on {@link
 * #close()}, and by a watchdog script when the test's JVM dies without closing them.
 */
final class Processes implements AutoCloseable {
    /** One started process. */
    record Proc(String name, Process process, Path log) {
        long pid() {
            return process.pid();
        }

        String tail(int lines) {
            return "--- last lines of " + log + " ---\n" + LocalFiles.tail(log, lines);
        }
    }

    private final Path dir;
    private final Path pids;
    private final List<Proc> started = new ArrayList<>();
    private final Process watchdog;
    private boolean closed;

    Processes(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.pids = dir.resolve("pids");
        Files.writeString(pids, "");
        Path script = dir.resolve("watchdog.sh");
        Files.writeString(
                script,
                """
                #!/usr/bin/env bash
                # kills what the cluster check started once the test's JVM ($1) is gone
                while kill -0 "$1" 2>/dev/null; do sleep 1; done
                while read -r pid; do kill -9 "$pid" 2>/dev/null; done < "$2"
                """);
        watchdog =
                new ProcessBuilder(
                                "bash",
                                script.toString(),
                                Long.toString(ProcessHandle.current().pid()),
                                pids.toString())
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve("watchdog.log").toFile())
                        .start();
    }

    /** Starts {@code command} with exactly {@code env} (plus PATH), logging to {@code name}.log. */
    synchronized Proc start(
            String name, List<String> command, Map<String, String> env, Path workDir)
            throws IOException {
        if (closed) {
            throw new IllegalStateException(name + ": the cluster check is over, nothing starts");
        }
        Path log = dir.resolve(name + ".log");
        ProcessBuilder pb =
                new ProcessBuilder(command)
                        .directory(workDir.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        String path = pb.environment().get("PATH");
        pb.environment().clear();
        pb.environment().put("PATH", javaBin() + ":" + path);
        pb.environment().put("HOME", System.getProperty("user.home"));
        pb.environment().putAll(env);
        Process p = pb.start();
        Files.writeString(pids, p.pid() + "\n", StandardOpenOption.APPEND);
        Proc proc = new Proc(name, p, log);
        started.add(proc);
        return proc;
    }

    /** SIGSTOP or SIGCONT. */
    static void signal(Proc p, String signal) throws IOException, InterruptedException {
        int exit =
                new ProcessBuilder("bash", "-c", "kill -" + signal + " " + p.pid()) // no procps
                        .start()
                        .waitFor();
        if (exit != 0) {
            throw new AssertionError("kill -" + signal + " " + p.name() + " exited " + exit);
        }
    }

    /** SIGKILL to the process and whatever it started. */
    static void kill(Proc p) {
        p.process().descendants().forEach(ProcessHandle::destroyForcibly);
        p.process().destroyForcibly();
    }

    static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin").toString();
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        for (Proc p : started) {
            if (p.process().isAlive()) {
                try {
                    signal(
                            p,
                            "CONT"); // a frozen process takes SIGKILL too; this is for its children
                } catch (IOException | InterruptedException | AssertionError e) {
                    // it is being killed anyway
                }
                kill(p);
            }
        }
        for (Proc p : started) {
            try {
                p.process().waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        watchdog.destroyForcibly();
    }
}
