from __future__ import annotations

import pytest

from drivers.printer.uri import NetworkAddress, SerialAddress, UsbAddress, parse_printer_uri


@pytest.mark.parametrize(("uri", "address"), [
    ("tcp://192.168.1.50:9100", NetworkAddress("192.168.1.50", 9100)),
    ("tcp://printer.local", NetworkAddress("printer.local", 9100)),
    ("tcp://10.0.0.7:9101/", NetworkAddress("10.0.0.7", 9101)),
    ("TCP://[fe80::1]:9100", NetworkAddress("fe80::1", 9100)),
    ("usb://04b8:0e15", UsbAddress(0x04B8, 0x0E15)),
    ("usb://0416:5011", UsbAddress(0x0416, 0x5011)),
    ("serial:///dev/ttyUSB0", SerialAddress("/dev/ttyUSB0", 19200, "N", 8, 1.0)),
    ("serial:///dev/ttyS1?baud=9600", SerialAddress("/dev/ttyS1", 9600, "N", 8, 1.0)),
    ("serial:///dev/ttyACM0?baud=115200&parity=e&bytesize=7&stopbits=2",
     SerialAddress("/dev/ttyACM0", 115200, "E", 7, 2.0)),
])
def test_parses(uri: str, address: object) -> None:
    assert parse_printer_uri(uri) == address


@pytest.mark.parametrize(("uri", "message"), [
    ("", "printer URI is empty; expected tcp://HOST[:PORT], usb://VID:PID or "
         "serial:///dev/DEVICE[?baud=N]"),
    ("lpt://1", "printer URI 'lpt://1' has scheme 'lpt'; expected tcp, usb or serial"),
    ("192.168.1.50", "printer URI '192.168.1.50' has scheme 'none'; expected tcp, usb or serial"),
    ("tcp://:9100", "printer URI 'tcp://:9100' has no host"),
    ("tcp://host:port", "printer URI 'tcp://host:port' has a port that is not a number from 1 "
                        "to 65535"),
    ("tcp://host:70000", "printer URI 'tcp://host:70000' has a port that is not a number from 1 "
                         "to 65535"),
    ("tcp://host:0", "printer URI 'tcp://host:0' has a port that is not a number from 1 to 65535"),
    ("tcp://host/x", "printer URI 'tcp://host/x': a tcp URI has only a host and a port"),
    ("usb://04b8", "printer URI 'usb://04b8': expected usb://VID:PID in hex, such as "
                   "usb://04b8:0e15"),
    ("usb://04b8:zz15", "printer URI 'usb://04b8:zz15': the USB product id 'zz15' is not hex"),
    ("usb://04b81:0e15", "printer URI 'usb://04b81:0e15': the USB vendor id '04b81' is not 1 to "
                         "4 hex digits"),
    ("serial://dev/ttyUSB0", "printer URI 'serial://dev/ttyUSB0': a serial URI has three slashes "
                             "and a device path, such as serial:///dev/ttyUSB0"),
    ("serial:///tmp/x", "printer URI 'serial:///tmp/x': the serial device must be a path under "
                        "/dev/"),
    ("serial:///dev/ttyUSB0?baud=fast", "printer URI 'serial:///dev/ttyUSB0?baud=fast': baud "
     "'fast' is not one of 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200"),
    ("serial:///dev/ttyUSB0?baud=12345", "printer URI 'serial:///dev/ttyUSB0?baud=12345': baud "
     "'12345' is not one of 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200"),
    ("serial:///dev/ttyUSB0?parity=X", "printer URI 'serial:///dev/ttyUSB0?parity=X': parity "
     "'X' is not one of N, E, O, M, S"),
    ("serial:///dev/ttyUSB0?stopbits=3", "printer URI 'serial:///dev/ttyUSB0?stopbits=3': "
     "stopbits '3' is not one of 1, 1.5, 2"),
    ("serial:///dev/ttyUSB0?speed=9600", "printer URI 'serial:///dev/ttyUSB0?speed=9600': unknown "
     "serial option 'speed'; known: baud, parity, bytesize, stopbits"),
    ("serial:///dev/ttyUSB0?baud=9600&baud=19200", "printer URI "
     "'serial:///dev/ttyUSB0?baud=9600&baud=19200' gives baud more than once"),
])
def test_refuses_with_a_message_naming_what_is_wrong(uri: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_printer_uri(uri)
    assert str(info.value) == message
