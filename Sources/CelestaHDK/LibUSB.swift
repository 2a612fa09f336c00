internal import CLibUSB

/// The libusb-1.0 library the dev-kit transport is linked against.
public enum LibUSB {
    /// The runtime version of libusb, as `(major, minor, micro)`.
    public static var version: (major: Int, minor: Int, micro: Int) {
        guard let v = libusb_get_version() else { return (0, 0, 0) }
        return (Int(v.pointee.major), Int(v.pointee.minor), Int(v.pointee.micro))
    }

    /// `"MAJOR.MINOR.MICRO"`.
    public static var versionString: String {
        let v = version
        return "\(v.major).\(v.minor).\(v.micro)"
    }
}
