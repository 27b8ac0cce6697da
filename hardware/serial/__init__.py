"""Serial devices: framed protocols, their incremental framers, and drivers over pyserial."""

from hardware.serial.base import SerialDriver
from hardware.serial.cms50d import Cms50dFrame, Cms50dFramer, Cms50dStatus
from hardware.serial.frontends import CuffDriver, EcgDriver, PacketDriver, PpgDriver
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
from hardware.serial.oximeter import Cms50dDriver
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
    "PacketDriver",
    "PacketFramer",
    "PacketType",
    "PpgData",
    "PpgDriver",
    "PpgStatus",
    "SerialDriver",
    "SerialLink",
    "crc16",
]
