// libhdf5's predefined datatype ids are C globals; `@preconcurrency` lets this file (and only
// this file) read them: every read happens under `HDF5Runtime.locked`, after H5open().
@preconcurrency internal import CHDF5
import Synchronization

/// The process-wide gate into libhdf5. Debian's serial build is not thread-safe, so every call
/// into the library goes through `locked`, which also keeps HDF5's error stack from printing to
/// stderr (errors become `CelestaError`s with their own messages).
enum HDF5Runtime {
    private static let gate = Mutex<Void>(())

    /// Runs `body` holding the process-wide libhdf5 lock.
    static func locked<R: Sendable>(_ body: () throws(CelestaError) -> R) throws(CelestaError) -> R {
        try gate.withLock { _ throws(CelestaError) -> R in
            guard opened else { throw CelestaError(.internalError, "libhdf5 could not be initialised") }
            // Per call rather than once: thread-safe builds keep this setting per thread.
            _ = H5Eset_auto2(hdf5Default, nil, nil)
            return try body()
        }
    }

    /// H5open() and silencing the default error stack, once (a `static let` runs exactly once).
    private static let opened: Bool = {
        guard H5open() >= 0 else { return false }
        _ = H5Eset_auto2(hdf5Default, nil, nil)
        return true
    }()

    // MARK: predefined types (valid after H5open; never closed)

    /// The little-endian file/memory type of a numeric dtype (float16 is built per use by
    /// `HDF5TypeSet`).
    static func littleEndianType(_ dtype: DType) -> hid_t {
        switch dtype {
        case .int8: return H5T_STD_I8LE_g
        case .int16: return H5T_STD_I16LE_g
        case .int32: return H5T_STD_I32LE_g
        case .int64: return H5T_STD_I64LE_g
        case .uint8, .bool: return H5T_STD_U8LE_g
        case .uint16: return H5T_STD_U16LE_g
        case .uint32: return H5T_STD_U32LE_g
        case .uint64: return H5T_STD_U64LE_g
        case .float32, .float16: return H5T_IEEE_F32LE_g
        case .float64: return H5T_IEEE_F64LE_g
        }
    }

    static var cString: hid_t { H5T_C_S1_g }
    static var nativeInt8: hid_t { H5T_NATIVE_SCHAR_g }
    static var fileAccessClass: hid_t { H5P_CLS_FILE_ACCESS_ID_g }
    static var datasetCreateClass: hid_t { H5P_CLS_DATASET_CREATE_ID_g }
    static var groupCreateClass: hid_t { H5P_CLS_GROUP_CREATE_ID_g }
    static var linkCreateClass: hid_t { H5P_CLS_LINK_CREATE_ID_g }
    static var datasetTransferClass: hid_t { H5P_CLS_DATASET_XFER_ID_g }
}

/// The derived types a read or a write needs (IEEE half, h5py's bool enum, vlen UTF-8 string)
/// and the dataset transfer properties, made once per file operation and closed with it. Only
/// use under `HDF5Runtime.locked`.
struct HDF5TypeSet: ~Copyable {
    let half: hid_t
    let boolEnum: hid_t
    let vlenUTF8: hid_t
    /// Dataset transfer with a small type-conversion buffer. libhdf5's default is 1 MiB,
    /// allocated zeroed for every read or write that converts (every variable-length string):
    /// past malloc's mmap threshold, so each one cost fresh pages from the kernel, which made
    /// such datasets several times slower than numeric ones. Larger selections are converted
    /// in pieces of this size.
    let transfer: hid_t
    static let conversionBuffer = 4 << 10

    init() throws(CelestaError) {
        // IEEE 754 binary16: sign bit 15, exponent bits 10..14 (bias 15), mantissa bits 0..9.
        let half = H5Tcopy(HDF5Runtime.littleEndianType(.float32))
        var ok = half >= 0
        ok = ok && H5Tset_fields(half, 15, 10, 5, 0, 10) >= 0
        ok = ok && H5Tset_size(half, 2) >= 0
        ok = ok && H5Tset_ebias(half, 15) >= 0

        let boolEnum = H5Tenum_create(HDF5Runtime.nativeInt8)
        var no: Int8 = 0, yes: Int8 = 1
        ok = ok && boolEnum >= 0 && H5Tenum_insert(boolEnum, "FALSE", &no) >= 0 && H5Tenum_insert(boolEnum, "TRUE", &yes) >= 0

        let vlen = H5Tcopy(HDF5Runtime.cString)
        ok = ok && vlen >= 0 && H5Tset_size(vlen, hdf5VariableSize) >= 0 && H5Tset_cset(vlen, H5T_CSET_UTF8) >= 0
            && H5Tset_strpad(vlen, H5T_STR_NULLTERM) >= 0

        let transfer = H5Pcreate(HDF5Runtime.datasetTransferClass)
        ok = ok && transfer >= 0 && H5Pset_buffer(transfer, HDF5TypeSet.conversionBuffer, nil, nil) >= 0

        self.half = half
        self.boolEnum = boolEnum
        self.vlenUTF8 = vlen
        self.transfer = transfer
        guard ok else { throw CelestaError(.internalError, "libhdf5 could not build its datatypes") }
    }

    deinit {
        for t in [half, boolEnum, vlenUTF8] where t >= 0 { H5Tclose(t) }
        if transfer >= 0 { H5Pclose(transfer) }
    }

    /// The little-endian type of `dtype` (not to be closed).
    func numberType(_ dtype: DType) -> hid_t {
        dtype == .float16 ? half : HDF5Runtime.littleEndianType(dtype)
    }
}

/// `H5P_DEFAULT` and `H5E_DEFAULT` (imported as Int32, wanted as `hid_t`).
let hdf5Default: hid_t = 0
/// `H5S_ALL`: the whole dataspace.
let hdf5All: hid_t = 0

/// Runs a rethrowing standard-library call whose closure throws `CelestaError`, keeping the type.
func keepingErrorType<T>(_ body: () throws -> T) throws(CelestaError) -> T {
    do {
        return try body()
    } catch let error as CelestaError {
        throw error
    } catch {
        throw CelestaError(.internalError, "\(error)")
    }
}

/// `H5T_VARIABLE`, a `(size_t)-1` macro Swift does not import (`size_t` is `Int` in Swift).
let hdf5VariableSize = -1
