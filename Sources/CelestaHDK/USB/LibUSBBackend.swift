internal import CLibUSB
import CelestaIR
import CelestaXylo

/// The USB backend over libusb-1.0. One libusb context per backend, created lazily; when
/// libusb cannot initialise (no USB in a container, no /dev/bus/usb) the backend lists no
/// devices instead of failing.
public final class LibUSBBackend: USBBackend {
    private var context: OpaquePointer?
    private var initialised = false

    public init() {}

    deinit {
        if let context { libusb_exit(context) }
    }

    private func ensureContext() -> OpaquePointer? {
        if !initialised {
            initialised = true
            var ctx: OpaquePointer?
            if libusb_init(&ctx) == 0 { context = ctx }
        }
        return context
    }

    public func devices() -> [USBDeviceDescriptor] {
        guard let ctx = ensureContext() else { return [] }
        var list: UnsafeMutablePointer<OpaquePointer?>?
        let n = libusb_get_device_list(ctx, &list)
        guard n > 0, let list else { return [] }
        defer { libusb_free_device_list(list, 1) }
        var found: [USBDeviceDescriptor] = []
        for i in 0..<Int(n) {
            guard let dev = list[i] else { continue }
            var desc = libusb_device_descriptor()
            guard libusb_get_device_descriptor(dev, &desc) == 0 else { continue }
            found.append(USBDeviceDescriptor(
                vendorID: desc.idVendor, productID: desc.idProduct,
                bus: Int(libusb_get_bus_number(dev)), address: Int(libusb_get_device_address(dev))))
        }
        return found
    }

    public func open(_ device: USBDeviceDescriptor, interface: Int) throws(USBFailure) -> USBConnection {
        guard let ctx = ensureContext() else { throw .noDevice }
        var list: UnsafeMutablePointer<OpaquePointer?>?
        let n = libusb_get_device_list(ctx, &list)
        guard n > 0, let list else { throw .noDevice }
        defer { libusb_free_device_list(list, 1) }
        for i in 0..<Int(n) {
            guard let dev = list[i],
                  Int(libusb_get_bus_number(dev)) == device.bus,
                  Int(libusb_get_device_address(dev)) == device.address else { continue }
            var handle: OpaquePointer?
            let rc = libusb_open(dev, &handle)
            guard rc == 0, let handle else { throw LibUSBBackend.failure(rc) }
            _ = libusb_set_auto_detach_kernel_driver(handle, 1)
            let claim = libusb_claim_interface(handle, Int32(interface))
            guard claim == 0 else {
                libusb_close(handle)
                throw LibUSBBackend.failure(claim)
            }
            return LibUSBConnection(handle: handle, interface: Int32(interface))
        }
        throw .noDevice
    }

    /// The failure for a libusb error code.
    static func failure(_ rc: Int32) -> USBFailure {
        switch rc {
        case Int32(LIBUSB_ERROR_NO_DEVICE.rawValue), Int32(LIBUSB_ERROR_NOT_FOUND.rawValue): .noDevice
        case Int32(LIBUSB_ERROR_TIMEOUT.rawValue): .timeout
        case Int32(LIBUSB_ERROR_ACCESS.rawValue): .access
        case Int32(LIBUSB_ERROR_BUSY.rawValue): .busy
        default: .other(libusb_error_name(rc).map { String(cString: $0) } ?? "libusb error \(rc)")
        }
    }
}

/// An open libusb device handle with its claimed interface.
final class LibUSBConnection: USBConnection {
    private var handle: OpaquePointer?
    private let interface: Int32

    init(handle: OpaquePointer, interface: Int32) {
        self.handle = handle
        self.interface = interface
    }

    deinit { close() }

    func bulkWrite(endpoint: UInt8, _ data: [UInt8], timeoutMilliseconds: Int) throws(USBFailure) -> Int {
        guard let handle else { throw .noDevice }
        var sent: Int32 = 0
        var bytes = data
        let rc = bytes.withUnsafeMutableBufferPointer {
            libusb_bulk_transfer(handle, endpoint, $0.baseAddress, Int32($0.count), &sent, UInt32(clamping: timeoutMilliseconds))
        }
        guard rc == 0 else { throw LibUSBBackend.failure(rc) }
        return Int(sent)
    }

    func bulkRead(endpoint: UInt8, maxLength: Int, timeoutMilliseconds: Int) throws(USBFailure) -> [UInt8] {
        guard let handle else { throw .noDevice }
        var buffer = [UInt8](repeating: 0, count: max(0, maxLength))
        var got: Int32 = 0
        let rc = buffer.withUnsafeMutableBufferPointer {
            libusb_bulk_transfer(handle, endpoint, $0.baseAddress, Int32($0.count), &got, UInt32(clamping: timeoutMilliseconds))
        }
        guard rc == 0 else { throw LibUSBBackend.failure(rc) }
        return Array(buffer.prefix(Int(got)))
    }

    func close() {
        guard let h = handle else { return }
        handle = nil
        libusb_release_interface(h, interface)
        libusb_close(h)
    }
}
