internal import CHDF5

/// The HDF5 library Celesta is linked against (used by the event-file reader and writer).
public enum HDF5Library {
    /// The runtime version of libhdf5, as `(major, minor, release)`.
    public static var version: (major: Int, minor: Int, release: Int) {
        var major: UInt32 = 0, minor: UInt32 = 0, release: UInt32 = 0
        _ = H5get_libversion(&major, &minor, &release)
        return (Int(major), Int(minor), Int(release))
    }

    /// `"MAJOR.MINOR.RELEASE"`.
    public static var versionString: String {
        let v = version
        return "\(v.major).\(v.minor).\(v.release)"
    }
}
