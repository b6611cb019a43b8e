package dev.mm1j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The no-GPU check of the kernels: every .cu resource is compiled by nvcc to PTX for sm_80 and sm_90 with the
 * options NVRTC uses at run time, and every kernel's parameter list in the PTX is compared with its
 * declaration in {@link Kernels}. Skipped, with the reason printed, where nvcc is not installed.
 */
class KernelSourcesTest {
    private static final Pattern ENTRY = Pattern.compile("\\.entry\\s+(\\w+)\\s*\\(([^)]*)\\)", Pattern.DOTALL);
    private static final Pattern PARAM = Pattern.compile("\\.param\\s+(?:\\.align\\s+\\d+\\s+)?(\\.\\w+)\\s+\\w+?_param_\\d+(\\[\\d+])?");
    private static final Pattern INCLUDE = Pattern.compile("^\\s*#\\s*include\\s*[<\"]([^>\"]+)[>\"]", Pattern.MULTILINE);

    @TempDir
    static Path dir;
    private static String nvcc;

    @BeforeAll
    static void findNvcc() throws IOException {
        nvcc = locate();
        Files.writeString(dir.resolve(Kernels.HEADER), KernelSources.read(Kernels.HEADER));
        for (String f : Kernels.FAMILIES) Files.writeString(dir.resolve(f + ".cu"), KernelSources.read(f + ".cu"));
    }

    private static String locate() {
        List<String> cands = new ArrayList<>();
        String env = System.getenv("NVCC");
        if (env != null && !env.isBlank()) cands.add(env);
        String path = System.getenv("PATH");
        if (path != null) for (String p : path.split(":")) cands.add(Path.of(p.isEmpty() ? "." : p, "nvcc").toString());
        cands.add("/usr/local/cuda/bin/nvcc");
        for (String c : cands) if (Files.isExecutable(Path.of(c))) return c;
        return null;
    }

    @Test
    void sourcesIncludeOnlyTheSharedHeader() {
        for (String f : Kernels.FAMILIES) {
            Matcher m = INCLUDE.matcher(KernelSources.read(f + ".cu"));
            while (m.find()) assertEquals(Kernels.HEADER, m.group(1), f + ".cu includes " + m.group(1) + ": NVRTC would need a header path at run time");
        }
        assertTrue(!INCLUDE.matcher(KernelSources.read(Kernels.HEADER)).find(), Kernels.HEADER + " must include nothing");
    }

    @Test
    void everyKernelCompilesForSm80() throws Exception {
        compileAll(80);
    }

    @Test
    void everyKernelCompilesForSm90() throws Exception {
        compileAll(90);
    }

    private static void compileAll(int arch) throws Exception {
        Assumptions.assumeTrue(nvcc != null, () -> {
            String why = "nvcc not found (PATH, $NVCC, /usr/local/cuda/bin): the kernels were not compile-checked";
            System.out.println("[cuda] SKIPPED: " + why);
            return why;
        });
        Map<String, List<String>> declared = new HashMap<>();
        for (Kernel k : Kernels.ALL) declared.put(k.name(), k.params().stream().map(p -> p.ptx).toList());
        int checked = 0;
        for (String family : Kernels.FAMILIES) {
            Path ptx = dir.resolve(family + "_sm" + arch + ".ptx");
            List<String> cmd = new ArrayList<>(List.of(nvcc, "-ptx", "-arch=sm_" + arch));
            cmd.addAll(Nvrtc.OPTIONS);
            cmd.addAll(List.of("-I", dir.toString(), "-o", ptx.toString(), dir.resolve(family + ".cu").toString()));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("nvcc timed out on " + family + ".cu");
            }
            if (p.exitValue() != 0) fail("nvcc failed on " + family + ".cu for sm_" + arch + ":\n" + String.join(" ", cmd) + "\n" + log);
            if (log.contains("warning")) System.out.println("[cuda] nvcc warnings for " + family + ".cu (sm_" + arch + "):\n" + log);
            String text = Files.readString(ptx);
            assertTrue(text.contains(".target sm_" + arch), family + ".ptx targets sm_" + arch);
            Matcher m = ENTRY.matcher(text);
            int entries = 0;
            while (m.find()) {
                entries++;
                String name = m.group(1);
                List<String> params = new ArrayList<>();
                Matcher pm = PARAM.matcher(m.group(2));
                while (pm.find()) params.add(pm.group(1) + (pm.group(2) == null ? "" : pm.group(2)));
                List<String> want = declared.get(name);
                if (want == null) fail(family + ".cu defines kernel " + name + " which Kernels does not declare");
                assertEquals(want, params, "parameters of " + family + ".cu:" + name + " (PTX) vs Kernels." + name.toUpperCase());
                checked++;
            }
            long expected = Kernels.ALL.stream().filter(k -> k.family().equals(family)).count();
            assertEquals(expected, entries, "kernels in " + family + ".cu vs Kernels");
        }
        assertEquals(Kernels.ALL.size(), checked);
        System.out.println("[cuda] nvcc compiled " + Kernels.FAMILIES.size() + " kernel families for sm_" + arch + "; "
            + checked + " kernel signatures match the Java declarations");
    }
}
