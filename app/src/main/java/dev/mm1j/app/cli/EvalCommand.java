package dev.mm1j.app.cli;

import dev.mm1j.core.format.Progress;
import dev.mm1j.model.mm1.EvalCases;
import dev.mm1j.model.mm1.Mm1;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code mm1j eval}: runs a model over an evaluation fixture (by default the demo model's
 * models/mm1-demo/eval/cases.jsonl) and prints, per category, exact-match accuracy against the expected answers
 * and agreement with PyTorch's greedy answers from the same checkpoint (token for token); for fixtures with sections,
 * the category table covers the main section, a second table each phrasing variant (the variants section), a third
 * the canvas shapes (all cases).
 */
final class EvalCommand implements Command, Main.SwitchAware {
    @Override
    public String name() {
        return "eval";
    }

    @Override
    public String summary() {
        return "evaluate a model on its fixture: exact match vs expected, agreement with PyTorch (default: the demo model)";
    }

    @Override
    public String usage() {
        return """
            usage: mm1j eval [--model DIR] [--cases FILE] [--limit N] [--verbose]

            Answers every case of an evaluation fixture greedily (at most %d new tokens, the question through the
            model's chat format, as mm1j run does) and prints per category (then per phrasing variant and per canvas
            shape, when the fixture has them): the Java engine's exact-match accuracy against the expected answers,
            PyTorch's (from the fixture), and how often the Java answer is PyTorch's greedy answer token for token.
            Also checks that the prompts tokenize to PyTorch's ids. The fixture is written by tools/demo/eval.py
            (fresh images, questions and conversations, drawn with another seed than training); the LLaVA fixtures'
            eval.jsonl by tools/llava/chat_golden.py, e.g.
              mm1j eval --model text.gguf --mmproj mmproj.gguf --cases eval.jsonl

            options:
              --model DIR     checkpoint folder (default: the demo model, models/mm1-demo)
              --cases FILE    the fixture (default: DIR/eval/cases.jsonl); one JSON object a line: id, category,
                              images, prompt (MM1 format) and/or messages (role, content, images), prompt_ids,
                              expected, torch_answer, torch_ids, optionally max_new
              --limit N       only the first N cases
              --verbose       list every case where Java and PyTorch differ, or the answer is wrong
            """.formatted(EvalCases.MAX_NEW) + ModelOptions.HELP.replaceFirst("  --model PATH[^\n]*\n", "");
    }

    @Override
    public java.util.Set<String> switches() {
        return java.util.Set.of("verbose");
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws Exception {
        ModelOptions mo = ModelOptions.read(args, "auto");
        String casesOption = args.get("cases", null);
        int limit = args.getInt("limit", Integer.MAX_VALUE);
        boolean verbose = args.flag("verbose");
        args.checkUnknown();
        if (limit < 1) throw new CliException("--limit must be at least 1, got " + limit);
        Path model = mo.modelOrDefault();
        Path casesFile = casesOption != null ? Path.of(casesOption)
            : (java.nio.file.Files.isDirectory(model) ? model : model.toAbsolutePath().getParent()).resolve("eval/cases.jsonl");
        List<EvalCases.Case> cases = EvalCases.read(casesFile);
        if (cases.size() > limit) cases = cases.subList(0, limit);
        List<EvalCases.Outcome> outcomes = new ArrayList<>();
        long t0 = System.nanoTime();
        try (Mm1 m = Mm1.load(model, mo.options.log(line -> err.println("mm1j eval: " + line)));
             Progress p = Progress.items("evaluating", cases.size())) {
            err.println("mm1j eval: " + cases.size() + " cases of " + casesFile + " on " + m.describe());
            for (EvalCases.Case c : cases) {
                outcomes.add(EvalCases.run(m, c));
                p.advance(1);
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        boolean sections = cases.stream().anyMatch(c -> !c.section().isEmpty());
        table(out, "category", EvalCases.tally(outcomes, c -> sections && !c.section().equals("main") ? null : c.category()));
        if (cases.stream().anyMatch(c -> c.section().equals("variants"))) {
            out.println();
            table(out, "variant", EvalCases.tally(outcomes, c -> c.section().equals("variants") ? c.variant() : null));
        }
        if (cases.stream().anyMatch(c -> !c.canvas().isEmpty())) {
            out.println();
            table(out, "canvas", EvalCases.tally(outcomes, EvalCases.Case::canvas));
        }
        int disagree = 0;
        for (EvalCases.Outcome r : outcomes) {
            if (!r.agrees()) disagree++;
            if (verbose && (!r.agrees() || !r.exact() || !r.promptIdsMatch())) {
                out.printf(Locale.ROOT, "case %3d %-8s expected '%s', Java '%s'%s%s%n", r.c().id(), r.c().category(), r.c().expected(), r.answer(),
                    r.agrees() ? "" : ", PyTorch '" + r.c().torchAnswer() + "' (Java ids " + Arrays.toString(r.ids()) + ", PyTorch " + Arrays.toString(r.c().torchIds()) + ")",
                    r.promptIdsMatch() ? "" : ", prompt ids differ");
            }
        }
        err.printf(Locale.ROOT, "mm1j eval: %d cases in %.1f s; %d differ from PyTorch%s%n", outcomes.size(), seconds, disagree, verbose || disagree == 0 ? "" : " (--verbose lists them)");
        return 0;
    }

    /** One table: per group, cases, Java exact, PyTorch exact, Java = PyTorch, prompt ids = PyTorch's. */
    private static void table(PrintStream out, String title, Map<String, int[]> rows) {
        out.printf(Locale.ROOT, "%-12s %5s  %-18s %-18s %-22s %s%n", title, "cases", "Java exact", "PyTorch exact", "Java = PyTorch (ids)", "prompt ids = PyTorch's");
        for (Map.Entry<String, int[]> e : rows.entrySet()) {
            int[] a = e.getValue();
            out.printf(Locale.ROOT, "%-12s %5d  %-18s %-18s %-22s %s%n", e.getKey(), a[0], frac(a[1], a[0]), frac(a[2], a[0]), frac(a[3], a[0]), frac(a[4], a[0]));
        }
    }

    private static String frac(int k, int n) {
        return String.format(Locale.ROOT, "%d/%d = %.3f", k, n, k / (double) n);
    }
}
