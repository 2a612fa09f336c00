/// Python's text formats for the backends that write files the reference tools write byte for
/// byte (the fpga backend's `hls4ml_config.json` and `parameters.h`).
extension PythonJSON {
    /// Python's `json.dumps(value, indent=2)`: `ensure_ascii`, floats by `repr`, no trailing
    /// newline (arrays as `{shape, dtype, data}`, as `HardwareDescriptor.to_json` writes them).
    public static func dumpsIndented(_ value: IRValue) -> String {
        var w = IndentedJSON()
        w.value(value, depth: 0)
        return w.out
    }
}

extension PythonFormat {
    /// Python's `f"{x:.<digits>f}"` (the exact binary value rounded half to even).
    public static func fixed(_ value: Double, digits: Int) -> String { PyFormat.fixed(value, digits) }
}
