package squall.compiler;

import squall.api.KernelMath;
import squall.compiler.CSourcePrinter.Space;

import java.util.List;

/**
 * The OpenCL C of {@link OrderFreeMath}'s operations: vector loads of stored values, a prefetch for CPUs, and one
 * definition per operation for arrays in given address spaces ({@code $0, $1, $2} in the templates: the arrays'
 * qualifiers; {@code _L0(} and the like: the load for that array's space).
 */
final class OrderFreeOpenCl {

    private OrderFreeOpenCl() {
    }

    /**
     * The OpenCL vector all these functions compute in: sixteen floats where the device compiler targets AVX-512
     * (PoCL on such a CPU defines {@code __AVX512F__}; one instruction then does what two did at eight), eight
     * elsewhere. Its sum and maximum are reduced as a tree. The macros are lower case: {@code SQUALL_} names are a
     * specialisation's {@code -D} values, every one of which {@code squall print-kernel} fills in.
     */
    static final String VECTORS = """
            #if defined(__AVX512F__)
            #define squall_lanes 16
            #define squall_floatv float16
            #define squall_vloadv vload16
            #define squall_vstorev vstore16
            #define squall_vload_halfv vload_half16
            #define squall_convert_floatv convert_float16
            #define squall_convert_uintv convert_uint16
            #define squall_as_floatv as_float16
            #define squall_ushortv ushort16
            #else
            #define squall_lanes 8
            #define squall_floatv float8
            #define squall_vloadv vload8
            #define squall_vstorev vstore8
            #define squall_vload_halfv vload_half8
            #define squall_convert_floatv convert_float8
            #define squall_convert_uintv convert_uint8
            #define squall_as_floatv as_float8
            #define squall_ushortv ushort8
            #endif
            // PoCL lowers vload_half16 to two eight-lane conversions and a lane insert; clang's _Float16 vectors
            // convert in one vcvtph2ps where F16C is there (the same values: fp16 to fp32 is exact).
            #if defined(__clang__) && defined(__x86_64__) && defined(__F16C__)
            typedef _Float16 squall_halfv __attribute__((ext_vector_type(squall_lanes)));
            #define squall_widenv(u) __builtin_convertvector(__builtin_astype((u), squall_halfv), squall_floatv)
            #endif
            inline float squall_sum8(float8 v) {
                float4 h = v.lo + v.hi;
                float2 q = h.lo + h.hi;
                return q.x + q.y;
            }
            inline float squall_max8(float8 v) {
                float4 h = fmax(v.lo, v.hi);
                float2 q = fmax(h.lo, h.hi);
                return fmax(q.x, q.y);
            }
            #if squall_lanes == 16
            inline float squall_sumv(float16 v) {
                return squall_sum8(v.lo + v.hi);
            }
            inline float squall_maxv(float16 v) {
                return squall_max8(fmax(v.lo, v.hi));
            }
            #else
            #define squall_sumv squall_sum8
            #define squall_maxv squall_max8
            #endif
            """;

    /** One stored value, of a pointer in one address space. */
    static String load1(String suffix, String q) {
        return "inline float squall_load1" + suffix + "(" + q + "const int* p, int i, int format) {\n"
                + "    if (format == 0) {\n        return as_float(p[i]);\n    }\n"
                + "    if (format == 1) {\n        return vload_half(i, (" + q + "const half*) p);\n    }\n"
                + "    if (format == 3) {\n        return (float) ((" + q + "const char*) p)[i];\n    }\n"
                + "    return as_float(((uint) ((" + q + "const ushort*) p)[i]) << 16);\n"
                + "}\n";
    }

    /** {@code squall_lanes} stored values from element {@code i} (OpenCL). */
    static String loadVector(String suffix, String q) {
        return "inline squall_floatv squall_loadv" + suffix + "(" + q + "const int* p, int i, int format) {\n"
                + "    if (format == 0) {\n        return squall_vloadv(0, (" + q + "const float*) p + i);\n    }\n"
                + "    if (format == 1) {\n"
                + "#ifdef squall_widenv\n"
                + "        return squall_widenv(squall_vloadv(0, (" + q + "const ushort*) p + i));\n"
                + "#else\n"
                + "        return squall_vload_halfv(0, (" + q + "const half*) p + i);\n"
                + "#endif\n"
                + "    }\n"
                + "    if (format == 3) {\n        return squall_convert_floatv(squall_vloadv(0, (" + q + "const char*) p + i));\n    }\n"
                + "    return squall_as_floatv(squall_convert_uintv(squall_vloadv(0, (" + q + "const ushort*) p + i)) << 16);\n"
                + "}\n";
    }

    /**
     * Asks a CPU to bring stored elements {@code i .. i + count - 1} into its caches ahead of use (OpenCL). A CPU's own
     * prefetcher stops at every 4 KiB page and runs only a few lines ahead, and attention streams a tile's rows with
     * much arithmetic between loads: measured, the loads' misses were most of a decode step's time. A prefetch never
     * faults, so rows past the end of a stretch are harmless; where the next rows are elsewhere (the next block of a
     * paged cache) the caller asks for them ({@code KernelMath.prefetch}). Elsewhere (a GPU's OpenCL) it is nothing.
     */
    static String prefetch(String suffix, String q) {
        return "inline void squall_prefetch" + suffix + "(" + q + "const int* p, int i, int count, int format) {\n"
                + "#if defined(__x86_64__) || defined(__aarch64__)\n"
                + "    int shift = format == 0 ? 2 : format == 3 ? 0 : 1;\n"
                + "    ulong from = (ulong) p + ((ulong) i << shift), to = from + ((ulong) count << shift);\n"
                + "    for (ulong at = from & ~63ul; at < to; at += 64) {\n"
                + "        __builtin_prefetch((const void*) at);\n"
                + "    }\n"
                + "#endif\n"
                + "}\n";
    }

    static String definition(String name, String c, List<Space> spaces) {
        String template = switch (name) {
            case "dot" -> """
                    inline float NAME($0const float* a, int aOffset, $1const float* b, int bOffset, int n) {
                        #pragma OPENCL FP_CONTRACT ON
                        squall_floatv s = (squall_floatv) (0.0f);
                        int i = 0;
                        for (; i + squall_lanes <= n; i += squall_lanes) {
                            s = squall_vloadv(0, a + aOffset + i) * squall_vloadv(0, b + bOffset + i) + s;
                        }
                        float sum = squall_sumv(s);
                        for (; i < n; i++) {
                            sum = a[aOffset + i] * b[bOffset + i] + sum;
                        }
                        return sum;
                    }
                    """;
            case "dotPacked" -> """
                    inline float NAME($0const float* a, int aOffset, $1const int* packed, int offset, int format, int n) {
                        #pragma OPENCL FP_CONTRACT ON
                        squall_floatv s = (squall_floatv) (0.0f);
                        int i = 0;
                        for (; i + squall_lanes <= n; i += squall_lanes) {
                            s = squall_vloadv(0, a + aOffset + i) * squall_loadv_L1(packed, offset + i, format) + s;
                        }
                        float sum = squall_sumv(s);
                        for (; i < n; i++) {
                            sum = a[aOffset + i] * squall_load1_L1(packed, offset + i, format) + sum;
                        }
                        return sum;
                    }
                    """;
            case "axpy" -> """
                    inline void NAME(float alpha, $0const float* x, int xOffset, $1float* y, int yOffset, int n) {
                        #pragma OPENCL FP_CONTRACT ON
                        int i = 0;
                        for (; i + squall_lanes <= n; i += squall_lanes) {
                            squall_vstorev(alpha * squall_vloadv(0, x + xOffset + i) + squall_vloadv(0, y + yOffset + i), 0, y + yOffset + i);
                        }
                        for (; i < n; i++) {
                            y[yOffset + i] = alpha * x[xOffset + i] + y[yOffset + i];
                        }
                    }
                    """;
            case "axpyPacked" -> """
                    inline void NAME(float alpha, $0const int* packed, int offset, int format, $1float* y, int yOffset, int n) {
                        #pragma OPENCL FP_CONTRACT ON
                        int i = 0;
                        for (; i + squall_lanes <= n; i += squall_lanes) {
                            squall_vstorev(alpha * squall_loadv_L0(packed, offset + i, format) + squall_vloadv(0, y + yOffset + i), 0,
                                    y + yOffset + i);
                        }
                        for (; i < n; i++) {
                            y[yOffset + i] = alpha * squall_load1_L0(packed, offset + i, format) + y[yOffset + i];
                        }
                    }
                    """;
            case "sumOf" -> """
                    inline float NAME($0const float* x, int offset, int n) {
                        squall_floatv s = (squall_floatv) (0.0f);
                        int i = 0;
                        for (; i + squall_lanes <= n; i += squall_lanes) {
                            s += squall_vloadv(0, x + offset + i);
                        }
                        float sum = squall_sumv(s);
                        for (; i < n; i++) {
                            sum += x[offset + i];
                        }
                        return sum;
                    }
                    """;
            case "prefetch" -> """
                    inline void NAME($0const int* packed, int offset, int format, int n) {
                        squall_prefetch_L0(packed, offset, n, format);
                    }
                    """;
            case "maxOf" -> """
                    inline float NAME($0const float* x, int offset, int n) {
                        squall_floatv m = (squall_floatv) (-INFINITY);
                        int i = 0;
                        for (; i + squall_lanes <= n; i += squall_lanes) {
                            m = fmax(m, squall_vloadv(0, x + offset + i));
                        }
                        float max = squall_maxv(m);
                        for (; i < n; i++) {
                            max = fmax(max, x[offset + i]);
                        }
                        return max;
                    }
                    """;
            case "exponentiate" -> """
                    inline float NAME($0float* x, int offset, int n, float shift) {
                        squall_floatv s = (squall_floatv) (0.0f);
                        int i = 0;
                        for (; i + squall_lanes <= n; i += squall_lanes) {
                            squall_floatv e = exp(squall_vloadv(0, x + offset + i) - shift);
                            squall_vstorev(e, 0, x + offset + i);
                            s += e;
                        }
                        float sum = squall_sumv(s);
                        for (; i < n; i++) {
                            float e = exp(x[offset + i] - shift);
                            x[offset + i] = e;
                            sum += e;
                        }
                        return sum;
                    }
                    """;
            case "dotRows" -> """
                    inline void NAME($0const float* a, int aOffset, int rows, $1const int* packed, int offset, int format,
                            int cols, int n, $2float* out, int outOffset, int outStride) {
                        #pragma OPENCL FP_CONTRACT ON
                        // Four rows against two stored rows at a time: eight independent sums, enough to keep the
                        // multiply-add units busy (one sum per row would wait on its own previous result).
                        int j = 0;
                    #if squall_lanes == 16
                        // With AVX-512's 32 vector registers, four rows against four stored rows first: sixteen
                        // sums, and each query vector loaded serves four keys instead of two.
                        for (; j + 4 <= cols && rows >= 4 && n % squall_lanes == 0; j += 4) {
                            int x = offset + j * n;
                            squall_prefetch_L1(packed, x + PREFETCH_ROWS * n, 4 * n, format);
                            for (int r = 0; r + 4 <= rows; r += 4) {
                                int a0 = aOffset + r * n;
                                squall_floatv z = (squall_floatv) (0.0f);
                                squall_floatv s00 = z, s01 = z, s02 = z, s03 = z, s10 = z, s11 = z, s12 = z, s13 = z;
                                squall_floatv s20 = z, s21 = z, s22 = z, s23 = z, s30 = z, s31 = z, s32 = z, s33 = z;
                                for (int d = 0; d < n; d += squall_lanes) {
                                    squall_floatv k0 = squall_loadv_L1(packed, x + d, format);
                                    squall_floatv k1 = squall_loadv_L1(packed, x + n + d, format);
                                    squall_floatv k2 = squall_loadv_L1(packed, x + 2 * n + d, format);
                                    squall_floatv k3 = squall_loadv_L1(packed, x + 3 * n + d, format);
                                    squall_floatv q = squall_vloadv(0, a + a0 + d);
                                    s00 = q * k0 + s00;
                                    s01 = q * k1 + s01;
                                    s02 = q * k2 + s02;
                                    s03 = q * k3 + s03;
                                    q = squall_vloadv(0, a + a0 + n + d);
                                    s10 = q * k0 + s10;
                                    s11 = q * k1 + s11;
                                    s12 = q * k2 + s12;
                                    s13 = q * k3 + s13;
                                    q = squall_vloadv(0, a + a0 + 2 * n + d);
                                    s20 = q * k0 + s20;
                                    s21 = q * k1 + s21;
                                    s22 = q * k2 + s22;
                                    s23 = q * k3 + s23;
                                    q = squall_vloadv(0, a + a0 + 3 * n + d);
                                    s30 = q * k0 + s30;
                                    s31 = q * k1 + s31;
                                    s32 = q * k2 + s32;
                                    s33 = q * k3 + s33;
                                }
                                int o = outOffset + r * outStride + j;
                                out[o] = squall_sumv(s00);
                                out[o + 1] = squall_sumv(s01);
                                out[o + 2] = squall_sumv(s02);
                                out[o + 3] = squall_sumv(s03);
                                out[o + outStride] = squall_sumv(s10);
                                out[o + outStride + 1] = squall_sumv(s11);
                                out[o + outStride + 2] = squall_sumv(s12);
                                out[o + outStride + 3] = squall_sumv(s13);
                                out[o + 2 * outStride] = squall_sumv(s20);
                                out[o + 2 * outStride + 1] = squall_sumv(s21);
                                out[o + 2 * outStride + 2] = squall_sumv(s22);
                                out[o + 2 * outStride + 3] = squall_sumv(s23);
                                out[o + 3 * outStride] = squall_sumv(s30);
                                out[o + 3 * outStride + 1] = squall_sumv(s31);
                                out[o + 3 * outStride + 2] = squall_sumv(s32);
                                out[o + 3 * outStride + 3] = squall_sumv(s33);
                            }
                        }
                    #endif
                        for (; j + 2 <= cols; j += 2) {
                            int x = offset + j * n;
                            squall_prefetch_L1(packed, x + PREFETCH_ROWS * n, 2 * n, format);
                            int r = 0;
                            for (; r + 4 <= rows; r += 4) {
                                int a0 = aOffset + r * n;
                                squall_floatv s0 = (squall_floatv) (0.0f), s1 = s0, s2 = s0, s3 = s0, t0 = s0, t1 = s0, t2 = s0, t3 = s0;
                                int d = 0;
                                for (; d + squall_lanes <= n; d += squall_lanes) {
                                    squall_floatv k = squall_loadv_L1(packed, x + d, format);
                                    squall_floatv l = squall_loadv_L1(packed, x + n + d, format);
                                    squall_floatv q = squall_vloadv(0, a + a0 + d);
                                    s0 = q * k + s0;
                                    t0 = q * l + t0;
                                    q = squall_vloadv(0, a + a0 + n + d);
                                    s1 = q * k + s1;
                                    t1 = q * l + t1;
                                    q = squall_vloadv(0, a + a0 + 2 * n + d);
                                    s2 = q * k + s2;
                                    t2 = q * l + t2;
                                    q = squall_vloadv(0, a + a0 + 3 * n + d);
                                    s3 = q * k + s3;
                                    t3 = q * l + t3;
                                }
                                float u0 = squall_sumv(s0), u1 = squall_sumv(s1), u2 = squall_sumv(s2), u3 = squall_sumv(s3);
                                float w0 = squall_sumv(t0), w1 = squall_sumv(t1), w2 = squall_sumv(t2), w3 = squall_sumv(t3);
                                for (; d < n; d++) {
                                    float k = squall_load1_L1(packed, x + d, format), l = squall_load1_L1(packed, x + n + d, format);
                                    u0 = a[a0 + d] * k + u0;
                                    u1 = a[a0 + n + d] * k + u1;
                                    u2 = a[a0 + 2 * n + d] * k + u2;
                                    u3 = a[a0 + 3 * n + d] * k + u3;
                                    w0 = a[a0 + d] * l + w0;
                                    w1 = a[a0 + n + d] * l + w1;
                                    w2 = a[a0 + 2 * n + d] * l + w2;
                                    w3 = a[a0 + 3 * n + d] * l + w3;
                                }
                                int o = outOffset + r * outStride + j;
                                out[o] = u0;
                                out[o + 1] = w0;
                                out[o + outStride] = u1;
                                out[o + outStride + 1] = w1;
                                out[o + 2 * outStride] = u2;
                                out[o + 2 * outStride + 1] = w2;
                                out[o + 3 * outStride] = u3;
                                out[o + 3 * outStride + 1] = w3;
                            }
                        }
                        for (; j < cols; j++) {
                            int x = offset + j * n;
                            for (int r = 0; r < rows - rows % 4; r++) {
                                int a0 = aOffset + r * n;
                                squall_floatv s = (squall_floatv) (0.0f);
                                int d = 0;
                                for (; d + squall_lanes <= n; d += squall_lanes) {
                                    s = squall_vloadv(0, a + a0 + d) * squall_loadv_L1(packed, x + d, format) + s;
                                }
                                float u = squall_sumv(s);
                                for (; d < n; d++) {
                                    u = a[a0 + d] * squall_load1_L1(packed, x + d, format) + u;
                                }
                                out[outOffset + r * outStride + j] = u;
                            }
                        }
                        // Rows left over, one at a time against four stored rows, each dot product in two halves
                        // of the vectors: eight independent sums (MHA's decode has a row per KV head).
                        for (int r = rows - rows % 4; r < rows; r++) {
                            int a0 = aOffset + r * n;
                            int o = outOffset + r * outStride;
                            int jj = 0;
                            for (; jj + 4 <= cols && n % (2 * squall_lanes) == 0; jj += 4) {
                                int x = offset + jj * n;
                                squall_floatv s0 = (squall_floatv) (0.0f), s1 = s0, s2 = s0, s3 = s0, t0 = s0, t1 = s0, t2 = s0, t3 = s0;
                                for (int d = 0; d < n; d += 2 * squall_lanes) {
                                    squall_floatv q = squall_vloadv(0, a + a0 + d), h = squall_vloadv(0, a + a0 + d + squall_lanes);
                                    s0 = q * squall_loadv_L1(packed, x + d, format) + s0;
                                    t0 = h * squall_loadv_L1(packed, x + d + squall_lanes, format) + t0;
                                    s1 = q * squall_loadv_L1(packed, x + n + d, format) + s1;
                                    t1 = h * squall_loadv_L1(packed, x + n + d + squall_lanes, format) + t1;
                                    s2 = q * squall_loadv_L1(packed, x + 2 * n + d, format) + s2;
                                    t2 = h * squall_loadv_L1(packed, x + 2 * n + d + squall_lanes, format) + t2;
                                    s3 = q * squall_loadv_L1(packed, x + 3 * n + d, format) + s3;
                                    t3 = h * squall_loadv_L1(packed, x + 3 * n + d + squall_lanes, format) + t3;
                                }
                                out[o + jj] = squall_sumv(s0 + t0);
                                out[o + jj + 1] = squall_sumv(s1 + t1);
                                out[o + jj + 2] = squall_sumv(s2 + t2);
                                out[o + jj + 3] = squall_sumv(s3 + t3);
                            }
                            for (; jj < cols; jj++) {
                                int x = offset + jj * n;
                                squall_floatv s = (squall_floatv) (0.0f);
                                int d = 0;
                                for (; d + squall_lanes <= n; d += squall_lanes) {
                                    s = squall_vloadv(0, a + a0 + d) * squall_loadv_L1(packed, x + d, format) + s;
                                }
                                float u = squall_sumv(s);
                                for (; d < n; d++) {
                                    u = a[a0 + d] * squall_load1_L1(packed, x + d, format) + u;
                                }
                                out[o + jj] = u;
                            }
                        }
                    }
                    """;
            case "axpyRows" -> """
                    inline void NAME($0const float* p, int pOffset, int pStride, int rows, $1const int* packed, int offset,
                            int format, int cols, int n, $2float* y, int yOffset) {
                        #pragma OPENCL FP_CONTRACT ON
                        // Stored rows two at a time, each read front to back (what a CPU's prefetcher follows),
                        // four accumulator rows updated in place. Aligned accumulator rows are read and written
                        // whole: compilers split an unaligned eight-float store in two, and a load that follows two
                        // half stores cannot be forwarded from them.
                        int aligned = (((ulong) (y + yOffset)) % (4 * squall_lanes)) == 0 && n % squall_lanes == 0;
                        int r = 0;
                        for (; r + 4 <= rows; r += 4) {
                            int y0 = yOffset + r * n;
                            int w = pOffset + r * pStride;
                            int j = 0;
                            for (; j < cols; j += 2) {
                                int two = j + 1 < cols;
                                squall_prefetch_L1(packed, offset + (j + PREFETCH_ROWS) * n, 2 * n, format);
                                float a0 = p[w + j], a1 = p[w + pStride + j], a2 = p[w + 2 * pStride + j], a3 = p[w + 3 * pStride + j];
                                float b0 = two ? p[w + j + 1] : 0.0f, b1 = two ? p[w + pStride + j + 1] : 0.0f;
                                float b2 = two ? p[w + 2 * pStride + j + 1] : 0.0f, b3 = two ? p[w + 3 * pStride + j + 1] : 0.0f;
                                int x = offset + j * n;
                                int xn = two ? x + n : x;   // a lone last row is added with weight 0 the second time
                                int d = 0;
                                if (aligned) {
                                    for (; d + squall_lanes <= n; d += squall_lanes) {
                                        squall_floatv u = squall_loadv_L1(packed, x + d, format);
                                        squall_floatv v = squall_loadv_L1(packed, xn + d, format);
                                        $2squall_floatv* t = ($2squall_floatv*) (y + y0 + d);
                                        t[0] = a0 * u + (b0 * v + t[0]);
                                        t[n / squall_lanes] = a1 * u + (b1 * v + t[n / squall_lanes]);
                                        t[2 * (n / squall_lanes)] = a2 * u + (b2 * v + t[2 * (n / squall_lanes)]);
                                        t[3 * (n / squall_lanes)] = a3 * u + (b3 * v + t[3 * (n / squall_lanes)]);
                                    }
                                }
                                for (; d + squall_lanes <= n; d += squall_lanes) {
                                    squall_floatv u = squall_loadv_L1(packed, x + d, format);
                                    squall_floatv v = squall_loadv_L1(packed, xn + d, format);
                                    squall_vstorev(a0 * u + (b0 * v + squall_vloadv(0, y + y0 + d)), 0, y + y0 + d);
                                    squall_vstorev(a1 * u + (b1 * v + squall_vloadv(0, y + y0 + n + d)), 0, y + y0 + n + d);
                                    squall_vstorev(a2 * u + (b2 * v + squall_vloadv(0, y + y0 + 2 * n + d)), 0, y + y0 + 2 * n + d);
                                    squall_vstorev(a3 * u + (b3 * v + squall_vloadv(0, y + y0 + 3 * n + d)), 0, y + y0 + 3 * n + d);
                                }
                                for (; d < n; d++) {
                                    float u = squall_load1_L1(packed, x + d, format), v = squall_load1_L1(packed, xn + d, format);
                                    y[y0 + d] = a0 * u + (b0 * v + y[y0 + d]);
                                    y[y0 + n + d] = a1 * u + (b1 * v + y[y0 + n + d]);
                                    y[y0 + 2 * n + d] = a2 * u + (b2 * v + y[y0 + 2 * n + d]);
                                    y[y0 + 3 * n + d] = a3 * u + (b3 * v + y[y0 + 3 * n + d]);
                                }
                            }
                        }
                        // Rows left over (MHA's decode has one per KV head), stored rows two at a time as above:
                        // half the accumulator traffic, and whole aligned stores the next pair's loads can be
                        // forwarded from (an unaligned store split in two stalled every key).
                        for (; r < rows; r++) {
                            int y0 = yOffset + r * n;
                            int w = pOffset + r * pStride;
                            for (int j = 0; j < cols; j += 2) {
                                int two = j + 1 < cols;
                                float a = p[w + j], b = two ? p[w + j + 1] : 0.0f;
                                int x = offset + j * n;
                                int xn = two ? x + n : x;
                                if (r == 0) {
                                    squall_prefetch_L1(packed, x + PREFETCH_ROWS * n, 2 * n, format);
                                }
                                int d = 0;
                                if (aligned) {
                                    for (; d + squall_lanes <= n; d += squall_lanes) {
                                        $2squall_floatv* t = ($2squall_floatv*) (y + y0 + d);
                                        t[0] = a * squall_loadv_L1(packed, x + d, format)
                                                + (b * squall_loadv_L1(packed, xn + d, format) + t[0]);
                                    }
                                }
                                for (; d + squall_lanes <= n; d += squall_lanes) {
                                    squall_floatv u = squall_loadv_L1(packed, x + d, format);
                                    squall_floatv v = squall_loadv_L1(packed, xn + d, format);
                                    squall_vstorev(a * u + (b * v + squall_vloadv(0, y + y0 + d)), 0, y + y0 + d);
                                }
                                for (; d < n; d++) {
                                    float u = squall_load1_L1(packed, x + d, format), v = squall_load1_L1(packed, xn + d, format);
                                    y[y0 + d] = a * u + (b * v + y[y0 + d]);
                                }
                            }
                        }
                    }
                    """;
            default -> throw new IllegalArgumentException(name);
        };
        String text = template.replace("NAME", c).replace("PREFETCH_ROWS", String.valueOf(KernelMath.PREFETCH_ROWS));
        for (int i = 0; i < spaces.size(); i++) {
            text = text.replace("$" + i, spaces.get(i).qualifier + " ").replace("_L" + i + "(", "_" + spaces.get(i).letter + "(");
        }
        return text;
    }
}
