import CelestaIR
import CelestaXylo

/// A USB device as the bus lists it.
public struct USBDeviceDescriptor: Sendable, Equatable {
    public let vendorID: UInt16
    public let productID: UInt16
    public let bus: Int
    public let address: Int
    public init(vendorID: UInt16, productID: UInt16, bus: Int, address: Int) {
        self.vendorID = vendorID
        self.productID = productID
        self.bus = bus
        self.address = address
    }

    /// `usb:BUS:ADDRESS`.
    public var location: String { "usb:\(bus):\(address)" }
    /// `vvvv:pppp` in hex.
    public var idString: String { XyloUSBID.hex4(vendorID) + ":" + XyloUSBID.hex4(productID) }
}

/// Why a USB call failed, in the terms the transport reports.
public enum USBFailure: Error, Sendable, Equatable {
    /// The device is gone (unplugged).
    case noDevice
    /// The transfer did not finish within its timeout.
    case timeout
    /// The caller lacks permission to open the device (udev rules).
    case access
    /// The interface is claimed by another program.
    case busy
    /// Anything else, with the library's own name for it.
    case other(String)
}

/// The seam between the USB transport and the USB library: libusb in production, a fake in
/// tests. Only what the transport needs.
public protocol USBBackend: AnyObject {
    /// The devices on the bus. A machine without USB (or without permission to list it)
    /// returns an empty list.
    func devices() -> [USBDeviceDescriptor]
    /// Opens a device and claims `interface`.
    func open(_ device: USBDeviceDescriptor, interface: Int) throws(USBFailure) -> USBConnection
}

/// An open, claimed device.
public protocol USBConnection: AnyObject {
    /// Writes `data` to the bulk OUT `endpoint`; returns the bytes written.
    func bulkWrite(endpoint: UInt8, _ data: [UInt8], timeoutMilliseconds: Int) throws(USBFailure) -> Int
    /// Reads up to `maxLength` bytes from the bulk IN `endpoint`.
    func bulkRead(endpoint: UInt8, maxLength: Int, timeoutMilliseconds: Int) throws(USBFailure) -> [UInt8]
    /// Releases the interface and closes the device. Safe to call twice.
    func close()
}
