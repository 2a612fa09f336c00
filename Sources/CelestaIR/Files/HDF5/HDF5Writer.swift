internal import CHDF5
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes an `HDF5Group` tree into an open, empty HDF5 file the way h5py lays it out: no
/// attributes unless given, no timestamps, link names in UTF-8, numbers little-endian in their
/// dtype, bools as the enum {FALSE = 0, TRUE = 1} over int8, strings as variable-length UTF-8.
/// Used only under `HDF5Runtime.locked`.
final class HDF5TreeWriter {
    private let place: HDF5Place
    private let types: HDF5TypeSet
    /// Link creation: names in UTF-8. Group and dataset creation: no timestamps (as h5py).
    private let linkCreation: hid_t
    private let groupCreation: hid_t
    private let contiguousCreation: hid_t
    private let compactCreation: hid_t

    init(place: HDF5Place) throws(CelestaError) {
        self.place = place
        types = try HDF5TypeSet()
        linkCreation = H5Pcreate(HDF5Runtime.linkCreateClass)
        groupCreation = H5Pcreate(HDF5Runtime.groupCreateClass)
        contiguousCreation = H5Pcreate(HDF5Runtime.datasetCreateClass)
        compactCreation = H5Pcreate(HDF5Runtime.datasetCreateClass)
        guard linkCreation >= 0, groupCreation >= 0, contiguousCreation >= 0, compactCreation >= 0,
              H5Pset_char_encoding(linkCreation, H5T_CSET_UTF8) >= 0,
              H5Pset_obj_track_times(groupCreation, false) >= 0,
              H5Pset_obj_track_times(contiguousCreation, false) >= 0,
              H5Pset_obj_track_times(compactCreation, false) >= 0,
              H5Pset_layout(compactCreation, H5D_COMPACT) >= 0
        else { throw place.failure(.internalError, "/", "cannot set up the creation properties") }
    }

    deinit {
        for p in [linkCreation, groupCreation, contiguousCreation, compactCreation] where p >= 0 { H5Pclose(p) }
    }

    /// Writes the attributes and the children of `group` into the open group `gid`.
    func write(_ group: HDF5Group, into gid: hid_t, path: String) throws(CelestaError) {
        try writeAttributes(group.attributes, on: gid, path: path.isEmpty ? "/" : path)
        var seen = Set<String>()
        for (name, node) in group.children {
            let childPath = path + "/" + name
            guard !name.isEmpty, name != ".", !name.contains("/"), !name.utf8.contains(0) else {
                throw place.error(.invalidArgument, childPath, "'\(name)' cannot name an HDF5 object")
            }
            guard seen.insert(name).inserted else {
                throw place.error(.invalidArgument, childPath, "two children of one group have this name")
            }
            switch node {
            case .group(let child):
                let cid = H5Gcreate2(gid, name, linkCreation, groupCreation, hdf5Default)
                guard cid >= 0 else { throw place.failure(.io, childPath, "cannot create the group") }
                defer { H5Gclose(cid) }
                try write(child, into: cid, path: childPath)
            case .dataset(let dataset):
                try write(dataset, named: name, into: gid, path: childPath)
            }
        }
    }

    private func write(_ dataset: HDF5Dataset, named name: String, into gid: hid_t, path: String) throws(CelestaError) {
        try withEncoded(dataset.value, path: path) { type, space, data throws(CelestaError) in
            var dcpl = contiguousCreation
            var ownPlist = false
            var gzipChunks: (chunk: [Int], level: Int)?
            defer { if ownPlist { H5Pclose(dcpl) } }
            switch dataset.storage {
            case .contiguous: break
            case .compact: dcpl = compactCreation
            case .chunked(let chunk, let level):
                let made = try chunkedCreation(shape: dataset.value.shape, chunk: chunk, level: level, itemSize: H5Tget_size(type), path: path)
                dcpl = made.dcpl
                ownPlist = true
                // Numbers and bools (not variable-length strings): compressed here, by libdeflate.
                if let level, H5Tget_class(type) != H5T_STRING { gzipChunks = (made.chunk, level) }
            }
            let did = H5Dcreate2(gid, name, type, space, linkCreation, dcpl, hdf5Default)
            guard did >= 0 else { throw place.failure(.io, path, "cannot create the dataset") }
            defer { H5Dclose(did) }
            if let data, let gzip = gzipChunks {
                try writeChunks(did, data: data, shape: dataset.value.shape, chunk: gzip.chunk, level: gzip.level, itemSize: H5Tget_size(type), path: path)
            } else if let data, H5Dwrite(did, type, hdf5All, hdf5All, types.transfer, data) < 0 {
                throw place.failure(.io, path, "cannot write the data")
            }
            try writeAttributes(dataset.attributes, on: did, path: path)
        }
    }

    private func writeAttributes(_ attributes: HDF5Attributes, on object: hid_t, path: String) throws(CelestaError) {
        var seen = Set<String>()
        for (name, value) in attributes {
            let where_ = "\(path)' attribute '\(name)"
            guard !name.isEmpty, !name.utf8.contains(0) else {
                throw place.error(.invalidArgument, where_, "'\(name)' cannot name an attribute")
            }
            guard seen.insert(name).inserted else {
                throw place.error(.invalidArgument, where_, "two attributes of one object have this name")
            }
            try withEncoded(value, path: where_) { type, space, data throws(CelestaError) in
                let aid = H5Acreate2(object, name, type, space, hdf5Default, hdf5Default)
                guard aid >= 0 else { throw place.failure(.io, where_, "cannot create the attribute") }
                defer { H5Aclose(aid) }
                if let data, H5Awrite(aid, type, data) < 0 {
                    throw place.failure(.io, where_, "cannot write the attribute")
                }
            }
        }
    }

    /// h5py's chunked layout: the given chunk shape, or h5py's guess; gzip when `level` is set.
    /// Every chunk of `data` compressed by libdeflate at `level` and written as it is stored.
    private func writeChunks(_ did: hid_t, data: UnsafeRawPointer, shape: [Int], chunk: [Int], level: Int, itemSize: Int, path: String) throws(CelestaError) {
        let grid = HDF5ChunkGrid(shape: shape, chunk: chunk, itemSize: itemSize)
        guard grid.count != nil else { throw place.error(.invalidArgument, path, "chunk shape \(Tensor.describe(chunk)) is too large") }
        guard let packed = HDF5ChunkPacker.pack(data, grid: grid, shape: shape, chunk: chunk, level: level) else {
            throw place.error(.internalError, path, "cannot compress a chunk")
        }
        for (origin, bytes) in packed {
            let offset = origin.map { hsize_t($0) }
            guard H5Dwrite_chunk(did, types.transfer, 0, offset, bytes.count, bytes) >= 0 else {
                throw place.failure(.io, path, "cannot write the data")
            }
        }
    }

    private func chunkedCreation(shape: [Int], chunk: [Int], level: Int?, itemSize: Int, path: String) throws(CelestaError) -> (dcpl: hid_t, chunk: [Int]) {
        guard !shape.isEmpty else { throw place.error(.invalidArgument, path, "a scalar cannot be chunked or compressed") }
        let chunk = chunk.isEmpty ? HDF5TreeWriter.guessChunk(shape: shape, itemSize: itemSize) : chunk
        guard chunk.count == shape.count, chunk.allSatisfy({ $0 >= 1 && $0 <= Int(UInt32.max) }) else {
            throw place.error(.invalidArgument, path, "chunk shape \(Tensor.describe(chunk)) does not suit shape \(Tensor.describe(shape))")
        }
        if let level, !(0...9).contains(level) {
            throw place.error(.invalidArgument, path, "gzip level \(level) is not in 0...9")
        }
        let dcpl = H5Pcreate(HDF5Runtime.datasetCreateClass)
        guard dcpl >= 0 else { throw place.failure(.internalError, path, "cannot create the dataset properties") }
        let dims = chunk.map { hsize_t($0) }
        guard H5Pset_obj_track_times(dcpl, false) >= 0, H5Pset_chunk(dcpl, Int32(dims.count), dims) >= 0,
              level.map({ H5Pset_deflate(dcpl, UInt32($0)) >= 0 }) ?? true
        else {
            H5Pclose(dcpl)
            throw place.failure(.invalidArgument, path, "cannot set chunk shape \(Tensor.describe(chunk))")
        }
        return (dcpl, chunk)
    }

    /// The chunk shape h5py picks for a dataset of `shape`: start from the whole array and halve
    /// the axes in turn until a chunk is near a target size that grows with the dataset (8 KiB
    /// to 1 MiB); small arrays stay one chunk.
    static func guessChunk(shape: [Int], itemSize: Int) -> [Int] {
        let base = 16.0 * 1024, low = 8.0 * 1024, high = 1024.0 * 1024
        var chunk = shape.map { Double($0 == 0 ? 1024 : $0) }
        let total = chunk.reduce(Double(itemSize), *)
        let target = min(high, max(low, base * pow(2, log10(total / (1024 * 1024)))))
        var axis = 0
        while true {
            let elements = chunk.reduce(1, *)
            let bytes = elements * Double(itemSize)
            if (bytes < target || abs(bytes - target) / target < 0.5) && bytes < high { break }
            if elements == 1 { break }
            chunk[axis % chunk.count] = (chunk[axis % chunk.count] / 2).rounded(.up)
            axis += 1
        }
        return chunk.map { Int($0) }
    }

    /// Calls `body` with the file/memory datatype, the dataspace and the packed data of `value`
    /// (nil when there are no elements).
    private func withEncoded(
        _ value: HDF5Value, path: String,
        _ body: (hid_t, hid_t, UnsafeRawPointer?) throws(CelestaError) -> Void
    ) throws(CelestaError) {
        let shape = value.shape
        let count: Int
        do { count = try Tensor.elementCount(shape) } catch { throw place.error(.invalidArgument, path, "\(error)") }
        let space: hid_t
        if shape.isEmpty {
            space = H5Screate(H5S_SCALAR)
        } else {
            guard shape.count <= Int(H5S_MAX_RANK) else {
                throw place.error(.invalidArgument, path, "rank \(shape.count) is more than HDF5's \(H5S_MAX_RANK)")
            }
            space = H5Screate_simple(Int32(shape.count), shape.map { hsize_t($0) }, nil)
        }
        guard space >= 0 else { throw place.failure(.internalError, path, "cannot create the dataspace") }
        defer { H5Sclose(space) }

        switch value {
        case .numbers(let tensor):
            let type = tensor.dtype == .bool ? types.boolEnum : types.numberType(tensor.dtype)
            try keepingErrorType { try tensor.bytes.withUnsafeBytes { try body(type, space, count == 0 ? nil : $0.baseAddress) } }
        case .bools(_, let values):
            guard values.count == count else { throw mismatch(values.count, shape, path) }
            let bytes = values.map { UInt8($0 ? 1 : 0) }
            try keepingErrorType { try bytes.withUnsafeBytes { try body(types.boolEnum, space, count == 0 ? nil : $0.baseAddress) } }
        case .strings(_, let values):
            guard values.count == count else { throw mismatch(values.count, shape, path) }
            // All strings NUL-terminated in one buffer, and a pointer to each.
            var text = [CChar]()
            text.reserveCapacity(values.reduce(0) { $0 + $1.utf8.count + 1 })
            var offsets = [Int]()
            offsets.reserveCapacity(count)
            for s in values {
                guard !s.utf8.contains(0) else {
                    throw place.error(.invalidArgument, path, "a string holds a NUL character, which HDF5 strings cannot")
                }
                offsets.append(text.count)
                for b in s.utf8 { text.append(CChar(bitPattern: b)) }
                text.append(0)
            }
            try keepingErrorType {
                try text.withUnsafeBufferPointer { chars in
                    let pointers: [UnsafePointer<CChar>?] = offsets.map { chars.baseAddress! + $0 }
                    try pointers.withUnsafeBytes { try body(types.vlenUTF8, space, count == 0 ? nil : $0.baseAddress) }
                }
            }
        }
    }

    private func mismatch(_ n: Int, _ shape: [Int], _ path: String) -> CelestaError {
        place.error(.shapeMismatch, path, "\(n) values do not fill shape \(Tensor.describe(shape))")
    }
}
