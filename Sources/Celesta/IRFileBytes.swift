// Exported C functions: files parsed from bytes in memory (.npy arrays, WAV audio, event files).
// The CLI reads the same formats from paths with the same parsers; these entries let a C caller
// (and the fuzz targets of Tests/fuzz) hand over bytes it already holds.

import CelestaABI
import CelestaIR
import CelestaXylo
import FoundationEssentials

/// Borrows `len` bytes at `data` (NULL only with a zero length) as `Data`.
private func borrowedBytes(_ data: UnsafePointer<UInt8>?, _ len: UInt, _ name: String) throws -> Data {
    guard len <= UInt(Int.max) else { throw CelestaError(.outOfRange, "argument '\(name)_len' is \(len), too large") }
    guard let data else {
        if len == 0 { return Data() }
        throw CelestaError(.nullPointer, "argument '\(name)' is NULL but \(name)_len is \(len)")
    }
    return Data(UnsafeRawBufferPointer(start: data, count: Int(len)))
}

/// Parses the `.npy` file in `data` (numpy format versions 1-3, C order; integer, bool or
/// integral float dtypes) and writes its shape: one entry per dimension (none for a scalar).
///
/// Size query (see the top of this header): `*len` receives the number of dimensions.
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_PARSE (what is malformed, unsupported or
/// truncated), CELESTA_ERR_OUT_OF_RANGE (a value that is not an integer of int64's range),
/// CELESTA_ERR_BUFFER_TOO_SMALL. Thread safety: any thread.
@_cdecl("celesta_npy_parse_shape")
public func celesta_npy_parse_shape(
    _ buf: UnsafeMutablePointer<Int64>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?,
    _ data: UnsafePointer<UInt8>?, _ data_len: UInt
) -> Int32 {
    guarded {
        _ = try required(len, "len")
        let array = try NPY.parseInts(try borrowedBytes(data, data_len, "data"), name: "data")
        guard let out = try sizedOutput(buf, cap, len, needed: array.shape.count) else { return }
        for (i, d) in array.shape.enumerated() { out[i] = Int64(d) }
    }
}

/// Parses the `.npy` file in `data` as celesta_npy_parse_shape() does and writes its values,
/// row-major, as int64 (bools as 0/1; floats must hold integers).
///
/// Size query (see the top of this header): `*len` receives the number of values (the
/// product of the shape). Errors: as celesta_npy_parse_shape(). Thread safety: any thread.
@_cdecl("celesta_npy_parse_ints")
public func celesta_npy_parse_ints(
    _ buf: UnsafeMutablePointer<Int64>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?,
    _ data: UnsafePointer<UInt8>?, _ data_len: UInt
) -> Int32 {
    guarded {
        _ = try required(len, "len")
        let array = try NPY.parseInts(try borrowedBytes(data, data_len, "data"), name: "data")
        guard let out = try sizedOutput(buf, cap, len, needed: array.values.count) else { return }
        for (i, v) in array.values.enumerated() { out[i] = Int64(v) }
    }
}

/// Parses the RIFF/WAVE file in `data` and writes its format to `out` (struct_size set):
/// PCM integers of 16, 24 or 32 bits or 32-bit IEEE floats (format tags 1 and 3, or
/// WAVE_FORMAT_EXTENSIBLE with one of those), any number of channels; chunks other than
/// `fmt ` and `data` are skipped. The CLI reads WAV files with the same parser.
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_INVALID_ARGUMENT (struct_size),
/// CELESTA_ERR_PARSE (what is malformed, unsupported or truncated). Thread safety: any thread.
@_cdecl("celesta_wav_parse_info")
public func celesta_wav_parse_info(_ out: UnsafeMutablePointer<celesta_wav_info_t>?, _ data: UnsafePointer<UInt8>?, _ data_len: UInt) -> Int32 {
    guarded {
        let out = try structOut(out, "out")
        let wav = try WAVFile.parse(try borrowedBytes(data, data_len, "data"), name: "data")
        var v = celesta_wav_info_t()
        v.sample_rate = wav.sampleRate
        v.channels = Int32(clamping: wav.channels)
        v.bits_per_sample = Int32(clamping: wav.bitsPerSample)
        v.is_float = wav.isFloat ? 1 : 0
        v.frames = UInt64(wav.frames)
        store(v, to: out)
    }
}

/// Parses the WAV file in `data` as celesta_wav_parse_info() does and writes its samples,
/// interleaved [frames][channels]: integers scaled to [-1, 1) by 2^(bits-1), floats as stored.
///
/// Size query (see the top of this header): `*len` receives frames * channels. Errors: as
/// celesta_wav_parse_info(), CELESTA_ERR_BUFFER_TOO_SMALL. Thread safety: any thread.
@_cdecl("celesta_wav_parse_samples")
public func celesta_wav_parse_samples(
    _ buf: UnsafeMutablePointer<Double>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?,
    _ data: UnsafePointer<UInt8>?, _ data_len: UInt
) -> Int32 {
    guarded {
        _ = try required(len, "len")
        let wav = try WAVFile.parse(try borrowedBytes(data, data_len, "data"), name: "data")
        guard let out = try sizedOutput(buf, cap, len, needed: wav.interleaved.count) else { return }
        wav.interleaved.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { out.update(from: base, count: src.count) }
        }
    }
}

/// Opens the event file held in `data` (a whole HDF5 file image, copied: `data` may be freed
/// after the call) as celesta_events_reader_open() opens a path, through libhdf5's in-memory
/// file driver. Error messages name the file "<memory>".
///
/// Ownership: `*out` receives a reader to release with celesta_events_reader_free(). Errors:
/// CELESTA_ERR_NULL_POINTER, CELESTA_ERR_OUT_OF_RANGE (data_len), CELESTA_ERR_PARSE (not HDF5,
/// truncated, damaged, no event layout), CELESTA_ERR_NOT_FOUND (as for a path).
@_cdecl("celesta_events_reader_open_memory")
public func celesta_events_reader_open_memory(
    _ out: UnsafeMutablePointer<celesta_events_reader_ref?>?, _ data: UnsafePointer<UInt8>?, _ data_len: UInt,
    _ config: UnsafePointer<celesta_events_config_t>?
) -> Int32 {
    guarded {
        let out = try required(out, "out")
        guard data_len <= UInt(Int32.max) else { throw CelestaError(.outOfRange, "argument 'data_len' is \(data_len), too large") }
        let bytes = [UInt8](try borrowedBytes(data, data_len, "data"))
        out.pointee = makeHandle(EventReaderBox(try EventFileReader(image: bytes, config: try eventConfig(config))))
    }
}
