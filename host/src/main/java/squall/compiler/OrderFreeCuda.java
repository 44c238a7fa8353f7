package squall.compiler;

import squall.compiler.CSourcePrinter.Space;

import java.util.List;

/** The CUDA C of {@link OrderFreeMath}'s operations: one version each, loops on {@code fmaf}. */
final class OrderFreeCuda {

    private OrderFreeCuda() {
    }

    /** One stored value ({@link HalfPrecision#TO_FLOAT} widens fp16). */
    static String load1() {
        return "__device__ inline float squall_load1(const int* p, int i, int format) {\n"
                + "    if (format == 0) {\n        return __int_as_float(p[i]);\n    }\n"
                + "    if (format == 3) {\n        return (float) ((const signed char*) p)[i];\n    }\n"
                + "    unsigned int bits = ((const unsigned short*) p)[i];\n"
                + "    return format == 2 ? __uint_as_float(bits << 16) : " + HalfPrecision.TO_FLOAT + "((short) bits);\n"
                + "}\n";
    }

    /**
     * Loops are unrolled four times at most: with the head dim a compile-time constant, nvcc would unroll them
     * fully and run out of registers in kernels that call several of these.
     */
    static String definition(String name, String c, List<Space> spaces) {
        String template = switch (name) {
            case "dot" -> """
                    __device__ inline float NAME(const float* a, int aOffset, const float* b, int bOffset, int n) {
                        float sum = 0.0f;
                        #pragma unroll 4
                        for (int i = 0; i < n; i++) {
                            sum = fmaf(a[aOffset + i], b[bOffset + i], sum);
                        }
                        return sum;
                    }
                    """;
            case "dotPacked" -> """
                    __device__ inline float NAME(const float* a, int aOffset, const int* packed, int offset, int format, int n) {
                        float sum = 0.0f;
                        #pragma unroll 4
                        for (int i = 0; i < n; i++) {
                            sum = fmaf(a[aOffset + i], squall_load1(packed, offset + i, format), sum);
                        }
                        return sum;
                    }
                    """;
            case "axpy" -> """
                    __device__ inline void NAME(float alpha, const float* x, int xOffset, float* y, int yOffset, int n) {
                        #pragma unroll 4
                        for (int i = 0; i < n; i++) {
                            y[yOffset + i] = fmaf(alpha, x[xOffset + i], y[yOffset + i]);
                        }
                    }
                    """;
            case "axpyPacked" -> """
                    __device__ inline void NAME(float alpha, const int* packed, int offset, int format, float* y, int yOffset, int n) {
                        #pragma unroll 4
                        for (int i = 0; i < n; i++) {
                            y[yOffset + i] = fmaf(alpha, squall_load1(packed, offset + i, format), y[yOffset + i]);
                        }
                    }
                    """;
            case "sumOf" -> """
                    __device__ inline float NAME(const float* x, int offset, int n) {
                        float sum = 0.0f;
                        #pragma unroll 4
                        for (int i = 0; i < n; i++) {
                            sum += x[offset + i];
                        }
                        return sum;
                    }
                    """;
            case "prefetch" -> """
                    __device__ inline void NAME(const int* packed, int offset, int format, int n) {
                        // a GPU hides a load's latency with other warps, not with prefetches
                    }
                    """;
            case "maxOf" -> """
                    __device__ inline float NAME(const float* x, int offset, int n) {
                        float max = __int_as_float(0xff800000);
                        #pragma unroll 4
                        for (int i = 0; i < n; i++) {
                            max = fmaxf(max, x[offset + i]);
                        }
                        return max;
                    }
                    """;
            case "exponentiate" -> """
                    __device__ inline float NAME(float* x, int offset, int n, float shift) {
                        float sum = 0.0f;
                        #pragma unroll 4
                        for (int i = 0; i < n; i++) {
                            float e = expf(x[offset + i] - shift);
                            x[offset + i] = e;
                            sum += e;
                        }
                        return sum;
                    }
                    """;
            case "dotRows" -> """
                    __device__ inline void NAME(const float* a, int aOffset, int rows, const int* packed, int offset, int format,
                            int cols, int n, float* out, int outOffset, int outStride) {
                        #pragma unroll 4
                        for (int r = 0; r < rows; r++) {
                            #pragma unroll 4
                            for (int j = 0; j < cols; j++) {
                                float sum = 0.0f;
                                #pragma unroll 4
                                for (int d = 0; d < n; d++) {
                                    sum = fmaf(a[aOffset + r * n + d], squall_load1(packed, offset + j * n + d, format), sum);
                                }
                                out[outOffset + r * outStride + j] = sum;
                            }
                        }
                    }
                    """;
            case "axpyRows" -> """
                    __device__ inline void NAME(const float* p, int pOffset, int pStride, int rows, const int* packed, int offset,
                            int format, int cols, int n, float* y, int yOffset) {
                        #pragma unroll 4
                        for (int r = 0; r < rows; r++) {
                            #pragma unroll 4
                            for (int d = 0; d < n; d++) {
                                float t = y[yOffset + r * n + d];
                                #pragma unroll 4
                                for (int j = 0; j < cols; j++) {
                                    t = fmaf(p[pOffset + r * pStride + j], squall_load1(packed, offset + j * n + d, format), t);
                                }
                                y[yOffset + r * n + d] = t;
                            }
                        }
                    }
                    """;
            default -> throw new IllegalArgumentException(name);
        };
        return template.replace("NAME", c);
    }
}
