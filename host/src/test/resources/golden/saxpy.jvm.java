static void saxpy(int squallFrom, int squallTo, float[] x, float[] y, float a, int first) {
    for (int i = squallFrom; i < squallTo; i++) {
        y[i] = a * x[i] + y[i];
    }
}
