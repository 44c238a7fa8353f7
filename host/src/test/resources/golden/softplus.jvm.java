static void softplus(int squallFrom, int squallTo, float[] in, float[] out, int[] rounded, int rows, int cols, int skipRow) {
    for (int r = squallFrom; r < squallTo; r++) {
        for (int c = 0; c < cols; c++) {
            if (r == skipRow) {
                continue;
            }
            float half = in[r * cols + c] * 0.5f;
            float y = half > 10.0f ? 2.0f * half : (float) Math.log(1.0 + Math.exp(2.0f * half));
            out[r * cols + c] = Math.max(y, (float) Math.exp(half) * LOG2E);
            rounded[r * cols + c] = Math.min((int) y, CLAMP);
        }
    }
}
