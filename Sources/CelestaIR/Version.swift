/// The version of the Celesta engine.
///
/// This is the single source of the version number: `scripts/gen_header.py` reads the three
/// constants below to write the `CELESTA_VERSION_*` macros of `include/celesta.h`, the shim
/// returns them from `celesta_version`, and the Makefile reads them for the soname, the
/// pkg-config file, the CMake package and the Python wheel.
public enum CelestaVersion {
    public static let major = 0
    public static let minor = 3
    public static let patch = 0

    /// `"MAJOR.MINOR.PATCH"`.
    public static var string: String { "\(major).\(minor).\(patch)" }
}
