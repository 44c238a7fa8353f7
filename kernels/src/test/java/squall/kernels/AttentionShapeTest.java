package squall.kernels;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Shapes whose element counts overflow are rejected, not wrapped into small ones. */
class AttentionShapeTest {

    @Test
    void aProductThatWrapsALongIsTooLarge() {
        // 65536^4 = 2^64 wrapped to 0 in long arithmetic and passed the size check
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new AttentionShape(65536, 65536, 65536, 65536, 1, 1));
        assertTrue(e.getMessage().contains("too large for one Java array"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new AttentionShape(1, 1, Integer.MAX_VALUE, 1, Integer.MAX_VALUE, Integer.MAX_VALUE));
    }

    @Test
    void theLargestShapesThatFitAreAccepted() {
        AttentionShape s = new AttentionShape(1, 1, 1, 1, Integer.MAX_VALUE, 1);
        assertEquals(Integer.MAX_VALUE, s.kvElements());
    }
}
