package org.example;

import squall.api.Kernel;
import squall.api.Parallel;
import squall.runtime.DataTransferMode;
import squall.runtime.Device;
import squall.runtime.Devices;
import squall.runtime.ExecutionPlan;
import squall.runtime.TaskGraph;

import java.util.Arrays;

/** A kernel in a project of its own: the sum of each row, on a device, checked against the method as plain Java. */
public final class RowSums {

    @Kernel
    public static void rowSums(float[] matrix, float[] sums, int rows, int columns) {
        for (@Parallel int r = 0; r < rows; r++) {
            float sum = 0f;
            for (int c = 0; c < columns; c++) sum += matrix[r * columns + c];
            sums[r] = sum;
        }
    }

    public static void main(String[] args) {
        Device device = args.length > 0 ? Devices.get(args[0]) : Devices.defaultDevice();
        int rows = 4, columns = 1000;
        float[] matrix = new float[rows * columns], sums = new float[rows];
        for (int i = 0; i < matrix.length; i++) matrix[i] = i / columns + 1;     // row r holds r + 1 everywhere

        TaskGraph graph = new TaskGraph("sums")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, matrix)
                .task("rows", RowSums::rowSums, matrix, sums, rows, columns)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, sums);
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(device)) {
            plan.execute();
        }
        float[] expected = new float[rows];
        rowSums(matrix, expected, rows, columns);
        System.out.println("row sums on " + device.id() + ": " + Arrays.toString(sums)
                + (Arrays.equals(sums, expected) ? ", as in plain Java" : ", but plain Java gives " + Arrays.toString(expected)));
    }
}
