package squall.device.cuda;

import squall.runtime.Device;
import squall.runtime.DeviceProvider;

import java.util.ArrayList;
import java.util.List;

/**
 * Lists every NVIDIA GPU the CUDA driver sees as {@code cuda:0}, {@code cuda:1}, … Without a driver,
 * {@link #discover()} fails with "libcuda.so.1 not found"; with a driver but no usable GPU, with
 * the error {@code cuInit} returned (such as {@code CUDA_ERROR_NO_DEVICE}). Listed in
 * {@code META-INF/services/squall.runtime.DeviceProvider}; {@link squall.runtime.Devices} asks it once.
 *
 * <pre>{@code
 * for (Device d : Devices.all()) {
 *     if (d.backend().equals("cuda")) System.out.println(d.id() + " " + d.name() + " " + d.properties());
 * }
 * System.out.println(Devices.unavailableBackends().get("cuda"));   // why there is none, if none
 * }</pre>
 */
public final class CudaDeviceProvider implements DeviceProvider {

    @Override
    public String backend() {
        return "cuda";
    }

    @Override
    public List<Device> discover() {
        CudaDriver driver = CudaDriver.get();
        int count = driver.deviceCount();
        List<Device> devices = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            devices.add(new CudaDevice(driver, i));
        }
        return devices;
    }
}
