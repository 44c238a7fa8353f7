static void bits(int squallFrom, int squallTo, short[] bf16, float[] widened, int[] hash, int shift) {
    for (int i = squallFrom; i < squallTo; i++) {
        widened[i] = Float.intBitsToFloat((bf16[i] & 65535) << 16);
        hash[i] = (hash[i] >>> shift) ^ (hash[i] << 3) ^ Float.floatToRawIntBits(widened[i]);
    }
}
