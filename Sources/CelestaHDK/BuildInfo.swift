import CelestaIR
import CelestaXylo

/// What this build of Celesta is made of: its version and the C libraries it links.
public enum BuildInfo {
    /// One line, e.g. `celesta 0.1.0 (libusb 1.0.26, hdf5 1.10.8)`.
    public static var summary: String {
        "celesta \(CelestaVersion.string) (libusb \(LibUSB.versionString), hdf5 \(HDF5Library.versionString))"
    }
}
