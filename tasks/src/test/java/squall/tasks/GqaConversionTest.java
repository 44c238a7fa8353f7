package squall.tasks;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Mean-pooling K/V projection weights by groups of consecutive heads, and projecting hidden states to heads. */
public class GqaConversionTest {

    /** 4 heads of D = 2 over hidden = 3: head h's rows hold 10h + (row, column) so every entry says where it came from. */
    public static float[] handMade() {
        float[] w = new float[4 * 2 * 3];
        for (int h = 0; h < 4; h++) {
            for (int r = 0; r < 2; r++) {
                for (int c = 0; c < 3; c++) {
                    w[(h * 2 + r) * 3 + c] = 10 * h + 3 * r + c;
                }
            }
        }
        return w;
    }

    @Test
    void twoKvHeadsAreTheMeansOfHeadsZeroOneAndTwoThree() {
        float[] pooled = GqaConversion.pool(handMade(), 8, 3, 2, 2);
        // KV head 0 = mean of heads 0 and 1 (offset 5), KV head 1 = mean of heads 2 and 3 (offset 25)
        float[] expected = {5, 6, 7, 8, 9, 10, 25, 26, 27, 28, 29, 30};
        assertArrayEquals(expected, pooled);
    }

    @Test
    void oneKvHeadIsTheMeanOfAllAndAsManyAsQueryHeadsChangesNothing() {
        assertArrayEquals(new float[] {15, 16, 17, 18, 19, 20}, GqaConversion.pool(handMade(), 8, 3, 2, 1));
        assertArrayEquals(handMade(), GqaConversion.pool(handMade(), 8, 3, 2, 4));
    }

    @Test
    void rejectsShapesThatAreNotWholeHeadsOrGroups() {
        assertThrows(IllegalArgumentException.class, () -> GqaConversion.pool(handMade(), 8, 3, 3, 1), "8 rows, D = 3");
        assertThrows(IllegalArgumentException.class, () -> GqaConversion.pool(handMade(), 8, 3, 2, 3), "3 does not divide 4");
        assertThrows(IllegalArgumentException.class, () -> GqaConversion.pool(handMade(), 6, 3, 2, 1), "length");
    }

    @Test
    void projectionPutsEachHeadsRowsTogether() {
        // x = [[1, 0, 0], [0, 1, 0]]: token t picks column t of every weight row
        float[] x = {1, 0, 0, 0, 1, 0};
        float[] heads = GqaConversion.project(x, 2, handMade(), 8, 3, 2);
        assertEquals(4 * 2 * 2, heads.length);
        for (int h = 0; h < 4; h++) {
            for (int t = 0; t < 2; t++) {
                for (int d = 0; d < 2; d++) {
                    assertEquals(10 * h + 3 * d + t, heads[(h * 2 + t) * 2 + d], "head " + h + ", token " + t + ", " + d);
                }
            }
        }
    }

    @Test
    void poolingThenProjectingIsTheMeanOfTheProjectedHeads() {
        SplittableRandom random = new SplittableRandom(5);
        int Hq = 6, D = 4, hidden = 10, T = 3, N = 2, G = Hq / N;
        float[] w = new float[Hq * D * hidden];
        float[] x = new float[T * hidden];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        float[] perHead = GqaConversion.project(x, T, w, Hq * D, hidden, D);
        float[] pooled = GqaConversion.project(x, T, GqaConversion.pool(w, Hq * D, hidden, D, N), N * D, hidden, D);
        for (int j = 0; j < N; j++) {
            for (int i = 0; i < T * D; i++) {
                double mean = 0;
                for (int g = 0; g < G; g++) {
                    mean += perHead[(j * G + g) * T * D + i];
                }
                mean /= G;
                double got = pooled[j * T * D + i];
                assertTrue(Math.abs(got - mean) < 1e-5 * (1 + Math.abs(mean)), "KV head " + j + ", " + i + ": " + got + " vs " + mean);
            }
        }
    }
}
