package squall.tasks.cli;

import squall.kernels.AttentionShape;
import squall.tasks.io.Npy;
import squall.tasks.io.NpyFormatException;
import squall.tasks.io.NpyTensor;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The tensors of {@code squall attend}, read from {@code .npy} files and checked against each other
 * before anything runs: every problem becomes a {@link BadInputException} naming the option and the
 * expected shape.
 *
 * @param kvMap the KV head of each query head, or {@code null} when no {@code --kv-map} was given
 */
record AttendInputs(AttentionShape shape, float[] q, float[] k, float[] v, int[] kvMap) {

    static final String Q_LAYOUT = "[B, Hq, Tq, D]";
    static final String KV_LAYOUT = "[B, Hkv, S, D]";

    static AttendInputs load(Path qFile, Path kFile, Path vFile, Path kvMapFile) {
        NpyTensor q = float32Rank4("--q", qFile, Q_LAYOUT);
        NpyTensor k = float32Rank4("--k", kFile, KV_LAYOUT);
        NpyTensor v = float32Rank4("--v", vFile, KV_LAYOUT);
        if (!Arrays.equals(k.shape(), v.shape())) {
            throw new BadInputException("--v", vFile + " has shape " + v.shapeText() + " but --k has " + k.shapeText()
                    + "; k and v must both be " + KV_LAYOUT);
        }
        int B = q.dim(0), Hq = q.dim(1), Tq = q.dim(2), D = q.dim(3);
        int Hkv = k.dim(1), S = k.dim(2);
        if (k.dim(0) != B) {
            throw new BadInputException("--k", kFile + " has batch B = " + k.dim(0) + " but --q has B = " + B
                    + "; expected k of shape [B=" + B + ", Hkv, S, D=" + D + "]");
        }
        if (k.dim(3) != D) {
            throw new BadInputException("--k", kFile + " has head dim D = " + k.dim(3) + " but --q has D = " + D
                    + "; expected k of shape [B=" + B + ", Hkv, S, D=" + D + "]");
        }
        AttentionShape shape;
        try {
            shape = new AttentionShape(B, Hq, Hkv, Tq, S, D);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--q", e.getMessage());
        }
        int[] kvMap = kvMapFile == null ? null : kvMap(kvMapFile, shape);
        if (kvMap == null && !shape.isGrouped()) {
            throw new BadInputException("--kv-map", "--q has Hq = " + Hq + " query heads and --k has Hkv = " + Hkv
                    + " KV heads, which does not divide Hq; give --kv-map with an int32 [Hq] = (" + Hq + ",) array"
                    + " naming each query head's KV head");
        }
        requireFinite("--q", qFile, q);
        requireFinite("--k", kFile, k);
        requireFinite("--v", vFile, v);
        return new AttendInputs(shape, q.floats(), k.floats(), v.floats(), kvMap);
    }

    private static int[] kvMap(Path file, AttentionShape shape) {
        NpyTensor map = read("--kv-map", file);
        String expected = "int32 [Hq] = (" + shape.Hq() + ",)";
        if (!map.isInt32()) {
            throw new BadInputException("--kv-map", file + " holds " + map.dtype() + "; expected " + expected);
        }
        if (map.rank() != 1 || map.dim(0) != shape.Hq()) {
            throw new BadInputException("--kv-map", file + " has shape " + map.shapeText() + "; expected " + expected
                    + ", one KV head per query head of --q");
        }
        int[] entries = map.ints();
        for (int h = 0; h < entries.length; h++) {
            if (entries[h] < 0 || entries[h] >= shape.Hkv()) {
                throw new BadInputException("--kv-map", "entry [" + h + "] = " + entries[h] + " is outside [0, Hkv = "
                        + shape.Hkv() + ") (Hkv from --k)");
            }
        }
        return entries;
    }

    /**
     * One float32 value per query head, {@code [Hq]}, finite: ALiBi slopes or sink logits from {@code file}, for the
     * error messages of {@code option}.
     */
    static float[] perHead(String option, Path file, int Hq, String what) {
        NpyTensor t = read(option, file);
        String expected = "float32 [Hq] = (" + Hq + ",), one " + what + " per query head";
        if (!t.isFloat32()) {
            throw new BadInputException(option, file + " holds " + t.dtype() + " " + t.shapeText() + "; expected " + expected);
        }
        if (t.rank() != 1 || t.dim(0) != Hq) {
            throw new BadInputException(option, file + " has shape " + t.shapeText() + "; expected " + expected);
        }
        requireFinite(option, file, t);
        return t.floats();
    }

    private static NpyTensor float32Rank4(String option, Path file, String layout) {
        NpyTensor t = read(option, file);
        if (!t.isFloat32()) {
            throw new BadInputException(option, file + " holds " + t.dtype() + " " + t.shapeText() + "; expected float32 " + layout);
        }
        if (t.rank() != 4) {
            throw new BadInputException(option, file + " has shape " + t.shapeText() + " (" + t.rank()
                    + " dimensions); expected float32 " + layout + " (4 dimensions)");
        }
        for (int d : t.shape()) {
            if (d < 1) {
                throw new BadInputException(option, file + " has shape " + t.shapeText() + "; every dimension of "
                        + layout + " must be >= 1");
            }
        }
        return t;
    }

    static NpyTensor read(String option, Path file) {
        try {
            return Npy.read(file);
        } catch (NoSuchFileException e) {
            throw new BadInputException(option, "no such file: " + file);
        } catch (NpyFormatException e) {
            throw new BadInputException(option, "not a valid .npy file: " + e.getMessage());
        } catch (IOException e) {
            throw new BadInputException(option, "cannot read " + file + ": " + e);
        }
    }

    private static void requireFinite(String option, Path file, NpyTensor t) {
        requireFinite(option, file, t, "inputs");
    }

    /**
     * Refuses {@code option}'s {@code file} unless every value is finite, naming the first that is not: {@code what}
     * ({@code inputs}, {@code weights}) must be finite.
     */
    static void requireFinite(String option, Path file, NpyTensor t, String what) {
        float[] data = t.floats();
        for (int i = 0; i < data.length; i++) {
            if (!Float.isFinite(data[i])) {
                throw new BadInputException(option, file + " has " + data[i] + " at index " + t.indexText(i)
                        + "; " + what + " must be finite");
            }
        }
    }
}
