package squall.tasks.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The three ways squall prints bytes, as the commands and reports printed them before they shared one home. */
class BytesTest {

    @Test
    void binaryKeepsOneDecimalAndBytesBelowAKibibyte() {
        assertEquals("0 B", Bytes.binary(0));
        assertEquals("1023 B", Bytes.binary(1023));
        assertEquals("1.0 KiB", Bytes.binary(1024));
        assertEquals("1.5 KiB", Bytes.binary(1536));
        assertEquals("512.0 MiB", Bytes.binary(512L << 20));
        assertEquals("4.0 GiB", Bytes.binary(4L << 30));
        assertEquals("8.0 EiB", Bytes.binary(Long.MAX_VALUE));
    }

    @Test
    void briefDropsTheDecimalAtTenUnitsAndOnWholeNumbers() {
        assertEquals("0 B", Bytes.brief(0));
        assertEquals("100 B", Bytes.brief(100));
        assertEquals("512 KiB", Bytes.brief(512L << 10));
        assertEquals("64 MiB", Bytes.brief(64L << 20));
        assertEquals("1.5 GiB", Bytes.brief(3L << 29));
        assertEquals("2 GiB", Bytes.brief(2L << 30));
        assertEquals("9.9 KiB", Bytes.brief(10137));   // 9.899 KiB
        assertEquals("10 KiB", Bytes.brief(10198));    // 9.959 KiB rounds to 10.0, printed as 10
        assertEquals("31 GiB", Bytes.brief(33_285_996_544L)); // 31.0 GiB: no decimal from 10 units up
    }

    @Test
    void exactGroupsTheCountAndAddsTheUnitFromAKibibyte() {
        assertEquals("1,023 bytes", Bytes.exact(1023));
        assertEquals("1,024 bytes (1.0 KiB)", Bytes.exact(1024));
        assertEquals("77,824 bytes (76.0 KiB)", Bytes.exact(77_824));
    }
}
