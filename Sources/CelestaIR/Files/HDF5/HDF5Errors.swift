internal import CHDF5

/// Where an HDF5 failure happened: every error names the file and the object path, e.g.
/// `'x.t1c': '/graph/nodes/fc1/weight': unsupported datatype (compound)`.
struct HDF5Place {
    let file: String

    func error(_ code: StatusCode, _ path: String, _ what: String) -> CelestaError {
        CelestaError(code, "'\(file)': '\(path)': \(what)")
    }

    /// An error for a failed libhdf5 call, with libhdf5's own innermost reason when it gave one.
    func failure(_ code: StatusCode, _ path: String, _ what: String) -> CelestaError {
        let reason = HDF5Place.libraryReason()
        return error(code, path, reason.isEmpty ? what : "\(what) (\(reason))")
    }

    /// The description of the innermost error on libhdf5's default stack (then cleared).
    /// Call only under `HDF5Runtime.locked`.
    static func libraryReason() -> String {
        final class Box { var text = "" }
        let box = Box()
        _ = withExtendedLifetime(box) {
            H5Ewalk2(hdf5Default, H5E_WALK_UPWARD, { n, entry, data in
                guard n == 0, let entry, let data, let desc = entry.pointee.desc else { return 0 }
                Unmanaged<Box>.fromOpaque(data).takeUnretainedValue().text = String(cString: desc)
                return 0
            }, Unmanaged.passUnretained(box).toOpaque())
        }
        _ = H5Eclear2(hdf5Default)
        return box.text
    }
}

extension HDF5Place {
    /// The name of an HDF5 datatype class, for messages.
    static func className(_ c: H5T_class_t) -> String {
        switch c {
        case H5T_INTEGER: return "integer"
        case H5T_FLOAT: return "float"
        case H5T_TIME: return "time"
        case H5T_STRING: return "string"
        case H5T_BITFIELD: return "bitfield"
        case H5T_OPAQUE: return "opaque"
        case H5T_COMPOUND: return "compound"
        case H5T_REFERENCE: return "reference"
        case H5T_ENUM: return "enum"
        case H5T_VLEN: return "variable-length sequence"
        case H5T_ARRAY: return "array"
        default: return "class \(c.rawValue)"
        }
    }
}
