package io.prunestream.apps.experiment;

import io.prunestream.core.config.UsageException;
import io.prunestream.core.store.ModelStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The raw results of Table 1 as the repository keeps them: per table a folder {@code
 * <data>-<model>/} holding {@code plan.json} (every run asked for), {@code base-seed<N>.json} per
 * base and {@code seed<N>-r<ratio>-<variant>.json} per run, each naming the build's git revision
 * and the command. {@link #read} loads them, and the tables are made from them alone.
 */
public final class Table1Results {
    private Table1Results() {}

    static final String PLAN = "plan.json";

    /** Which build made a result, and by which command. */
    public record Provenance(String revision, String command) {
        /**
         * The revision of the working tree this process runs in, with {@code command}; a driver
         * that runs a build copied aside names that build's revision in {@code
         * PRUNESTREAM_REVISION} (the tree may have moved on since).
         */
        static Provenance of(String command) {
            String frozen = System.getenv("PRUNESTREAM_REVISION");
            return new Provenance(
                    frozen != null && !frozen.isBlank()
                            ? frozen.strip()
                            : Table1Results.revision(Path.of("")),
                    command);
        }
    }

    /**
     * The runs asked for in one table, as {@code seed<N>-r<ratio>-<variant>} names: what is not
     * there yet is partial. Every command that adds runs adds its own.
     */
    public record Plan(List<Long> seeds, List<String> runs) {
        public Plan {
            seeds = List.copyOf(new TreeSet<>(seeds));
            runs = List.copyOf(new TreeSet<>(runs));
        }

        Plan merge(Plan other) {
            List<Long> s = new ArrayList<>(seeds);
            s.addAll(other.seeds);
            List<String> r = new ArrayList<>(runs);
            r.addAll(other.runs);
            return new Plan(s, r);
        }
    }

    /** One table's files. */
    public record Loaded(
            String name, Plan plan, List<ConvergedBase.Info> bases, List<CellResult> cells) {}

    static String runName(long seed, double r, Variant v) {
        return runName(seed, r, v.id());
    }

    static String runName(long seed, double r, String variant) {
        return String.format(Locale.ROOT, "seed%d-r%s-%s", seed, r, variant);
    }

    /** Adds {@code plan} to the table's plan on disk. */
    static void addPlan(Path dir, Plan plan) {
        Path f = dir.resolve(PLAN);
        Plan all = Files.isRegularFile(f) ? read(f, Plan.class).merge(plan) : plan;
        ModelStore.writeJson(f, all);
    }

    static void writeBase(Path dir, ConvergedBase.Info base) {
        ModelStore.writeJson(dir.resolve("base-seed" + base.seed() + ".json"), base);
    }

    static void writeCell(Path dir, CellResult c) {
        ModelStore.writeJson(
                dir.resolve(runName(c.seed(), c.ratio(), c.variant()) + ".json"), withoutHashes(c));
    }

    /** The batch fingerprints are a test's check, not a result: not kept in the repository. */
    private static CellResult withoutHashes(CellResult c) {
        if (c.batchHashes() == null) {
            return c;
        }
        return new CellResult(
                c.key(),
                c.data(),
                c.model(),
                c.testImages(),
                c.groups(),
                c.seed(),
                c.ratio(),
                c.variant(),
                c.normPenalty(),
                c.penaltyScale(),
                c.schedule(),
                c.stepsBeforePrune(),
                c.finetuneSteps(),
                c.totalSteps(),
                c.finetuneFrom(),
                c.finetuneLr(),
                c.evaluationsPerStage(),
                c.validationCurve(),
                c.evalEvery(),
                c.hitCap(),
                c.accuracy(),
                c.params(),
                c.flops(),
                c.flopsSpeedup(),
                c.measuredSpeedup(),
                c.magnitudeRatios(),
                c.minMagnitudeRatio(),
                c.pickOverlap(),
                c.overlapWithL1(),
                c.samePrunedSetAsL1(),
                c.widths(),
                c.seconds(),
                c.revision(),
                c.command(),
                null);
    }

    /**
     * Every table under {@code results}: the small CNN's first, then by data set and model.
     *
     * @throws UsageException when the folder does not exist or holds no table
     */
    public static List<Loaded> read(Path results) {
        if (!Files.isDirectory(results)) {
            throw new UsageException(
                    "no results folder "
                            + results.toAbsolutePath()
                            + ": run ./prunestream experiment first, or give --results");
        }
        List<Loaded> out = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(results)) {
            for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
                out.add(readTable(dir));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + results, e);
        }
        if (out.isEmpty()) {
            throw new UsageException(
                    results.toAbsolutePath()
                            + " holds no table folder: run ./prunestream experiment first");
        }
        out.sort(
                Comparator.comparing((Loaded l) -> !l.name().endsWith("-small-cnn"))
                        .thenComparing(Loaded::name));
        return out;
    }

    private static Loaded readTable(Path dir) throws IOException {
        List<ConvergedBase.Info> bases = new ArrayList<>();
        List<CellResult> cells = new ArrayList<>();
        Plan plan = new Plan(List.of(), List.of());
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                String n = f.getFileName().toString();
                if (n.equals(PLAN)) {
                    plan = read(f, Plan.class);
                } else if (n.startsWith("base-seed") && n.endsWith(".json")) {
                    bases.add(read(f, ConvergedBase.Info.class));
                } else if (n.startsWith("seed") && n.endsWith(".json")) {
                    cells.add(read(f, CellResult.class));
                }
            }
        }
        bases.sort(Comparator.comparingLong(ConvergedBase.Info::seed));
        cells.sort(
                Comparator.comparingDouble(CellResult::ratio)
                        .thenComparing(c -> Variant.parse(c.variant()))
                        .thenComparingLong(CellResult::seed));
        return new Loaded(dir.getFileName().toString(), plan, bases, cells);
    }

    private static <T> T read(Path f, Class<T> type) {
        try {
            return ModelStore.fromJson(Files.readAllBytes(f), type);
        } catch (IOException e) {
            throw new UsageException(
                    "cannot read " + f + " as " + type.getSimpleName() + ": " + e.getMessage());
        }
    }

    /**
     * The git revision of the working tree at {@code dir}, {@code -dirty} when its sources (Java
     * files, POMs, resources) differ from that revision; "unknown" outside git.
     */
    static String revision(Path dir) {
        String head = git(dir, "rev-parse", "HEAD");
        if (head == null || head.isBlank()) {
            return "unknown";
        }
        String changed =
                git(
                        dir,
                        "status",
                        "--porcelain",
                        "--untracked-files=no",
                        "--",
                        "*.java",
                        "*pom.xml",
                        "*/src/main/resources/*");
        return head.strip() + (changed == null || changed.isBlank() ? "" : "-dirty");
    }

    private static String git(Path dir, String... args) {
        List<String> cmd = new ArrayList<>(List.of("git", "-C", dir.toAbsolutePath().toString()));
        cmd.addAll(List.of(args));
        try {
            Process p =
                    new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroy();
                return null;
            }
            return out;
        } catch (IOException e) {
            return null; // no git here
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
