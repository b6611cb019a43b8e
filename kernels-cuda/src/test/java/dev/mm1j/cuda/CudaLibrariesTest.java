package dev.mm1j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CudaLibrariesTest {

    private static CudaLibraries libs(Map<String, String> props, Map<String, String> env) {
        return new CudaLibraries(props::get, env::get);
    }

    @Test
    void driverDefaultsToTheSonameTheDriverInstalls() {
        CudaLibraries l = libs(Map.of(), Map.of());
        assertEquals("libcuda.so.1", l.libcuda());
        assertFalse(l.libcudaExplicit());
    }

    @Test
    void explicitDriverSettingsWinInOrder() {
        assertEquals("/a", libs(Map.of("mm1j.cuda.libcuda", "/a", "org.lwjgl.cuda.libname", "/c"), Map.of("MM1J_LIBCUDA", "/b")).libcuda());
        assertEquals("/b", libs(Map.of("org.lwjgl.cuda.libname", "/c"), Map.of("MM1J_LIBCUDA", "/b")).libcuda());
        assertEquals("/c", libs(Map.of("org.lwjgl.cuda.libname", "/c"), Map.of()).libcuda());
        assertTrue(libs(Map.of(), Map.of("MM1J_LIBCUDA", "/b")).libcudaHint().contains("check the path"));
    }

    @Test
    void explicitNvrtcIsTakenAsIs() {
        assertEquals("/x/libnvrtc.so.12", libs(Map.of(), Map.of("MM1J_LIBNVRTC", "/x/libnvrtc.so.12")).nvrtc());
    }

    @Test
    void nvrtcIsFoundInLdLibraryPathNewestVersionFirstWithMatchingBuiltins(@TempDir Path dir) throws IOException {
        for (String f : new String[] {"libnvrtc.so", "libnvrtc.so.12", "libnvrtc.so.12.4.99", "libnvrtc.so.13.0.48",
            "libnvrtc-builtins.so.12.4", "libnvrtc-builtins.so.13.0", "libnvrtc-builtins.so.13.0.48", "libnvrtc.so.13.alpha"}) {
            Files.createFile(dir.resolve(f));
        }
        CudaLibraries l = libs(Map.of(), Map.of("LD_LIBRARY_PATH", "/nonexistent:" + dir));
        String nvrtc = l.nvrtc();
        assertEquals(dir.resolve("libnvrtc.so.13.0.48").toString(), nvrtc);
        assertEquals(dir.resolve("libnvrtc-builtins.so.13.0.48").toString(), l.builtinsFor(nvrtc));
        assertEquals(dir.resolve("libnvrtc-builtins.so.12.4").toString(), l.builtinsFor(dir.resolve("libnvrtc.so.12").toString()));
    }

    @Test
    void searchCoversToolkitRootsAndNamesThemInTheHint(@TempDir Path dir) {
        CudaLibraries l = libs(Map.of(), Map.of("CUDA_HOME", dir.toString()));
        assertTrue(l.searchDirs().contains(dir.resolve("lib64")));
        assertTrue(l.searchDirs().contains(Path.of("/usr/local/cuda/lib64")));
        assertTrue(l.nvrtcHint().contains("MM1J_LIBNVRTC"));
    }

    @Test
    void versionHelpers() {
        assertEquals("12", CudaLibraries.majorOf("libnvrtc.so.12.4", "libnvrtc.so"));
        assertNull(CudaLibraries.majorOf("libnvrtc.so", "libnvrtc.so"));
        assertTrue(CudaLibraries.versionKey("12.10").compareTo(CudaLibraries.versionKey("12.9")) > 0);
        assertNull(CudaLibraries.newest(Path.of("/nonexistent"), "libnvrtc.so"));
    }
}
