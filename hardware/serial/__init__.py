"""Serial devices: framed protocols, their incremental framers, and drivers over pyserial."""

from hardware.serial.cms50d import Cms50dFrame, Cms50dFramer, Cms50dStatus
from hardware.serial.drivers import Cms50dDriver, CuffDriver, EcgDriver, PpgDriver, SerialDriver
from hardware.serial.link import SerialLink
from hardware.serial.messages import (
    Ack,
    CuffData,
    CuffState,
    EcgData,
    Info,
    LeadOff,
    PpgData,
    PpgStatus,
)
from hardware.serial.packet import Packet, PacketFramer, PacketType, crc16

__all__ = [
    "Ack",
    "Cms50dDriver",
    "Cms50dFrame",
    "Cms50dFramer",
    "Cms50dStatus",
    "CuffData",
    "CuffDriver",
    "CuffState",
    "EcgData",
    "EcgDriver",
    "Info",
    "LeadOff",
    "Packet",
    "PacketFramer",
    "PacketType",
    "PpgData",
    "PpgDriver",
    "PpgStatus",
    "SerialDriver",
    "SerialLink",
    "crc16",
]
