"""The code tables of the FHIR mapping: what each stored measurement is called on the wire.

Every measurement kind the station stores has a LOINC code (what the FHIR R4
vital-signs profiles require), an IEEE 11073-10101 (MDC) code (what the HL7
Personal Health Device IG requires, with the reference id as its display), a
UCUM unit, an observation category and, for vital signs, the R4 profile it
claims. The tables are frozen here and checked by ``tests/fhir_bridge``.

MDC codes are the 32-bit context-free codes: partition * 2**16 + term code
(partition 1 SCADA for measurements, 8 INFRA for device specialisations, 128
PHD_DM for the glucose context). Each table cites where its codes were checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = [
    "ACT_CODE",
    "BP_COMPONENTS",
    "CATEGORY_DISPLAY",
    "CONSULTANT",
    "CONSULT_NOTE",
    "Code",
    "DATA_OPERATION",
    "DEVICE_TYPES",
    "ECG_HEART_RATE",
    "ECG_HRV_SDNN",
    "ECG_LEADS",
    "ECG_RECORDING",
    "ENCOUNTER_CLASSES",
    "GATEWAY_TYPE",
    "GLUCOSE_CODES",
    "GLUCOSE_MDC",
    "GLUCOSE_MEAL",
    "GLUCOSE_MEAL_CONTEXT",
    "IDENTIFIER_TYPES",
    "IDENTIFIER_TYPE_SYSTEM",
    "INTERPRETATION",
    "INTERPRETATION_DISPLAY",
    "INTERPRETATION_SYSTEM",
    "KINDS",
    "KindCodes",
    "LOINC",
    "MDC",
    "OBSERVATION_CATEGORY",
    "PARTICIPATION_TYPE",
    "PHD_TYPE",
    "PROVENANCE_AGENT_TYPE",
    "PROVENANCE_ASSEMBLER",
    "PROVENANCE_CREATE",
    "PULSE_RATE_CUFF",
    "UCUM",
    "VERSION_TYPES",
    "loinc",
    "mdc",
]

LOINC = "http://loinc.org"
MDC = "urn:iso:std:iso:11073:10101"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
INTERPRETATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
IDENTIFIER_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0203"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
PARTICIPATION_TYPE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
PROVENANCE_AGENT_TYPE = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
DATA_OPERATION = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"

_PROFILE = "http://hl7.org/fhir/StructureDefinition/"


@dataclass(frozen=True, slots=True)
class Code:
    """One coding: a code in a system, with its display."""

    system: str
    code: str
    display: str


def loinc(code: str, display: str) -> Code:
    """A LOINC code with its long common name."""
    return Code(LOINC, code, display)


def mdc(code: int, reference_id: str) -> Code:
    """An IEEE 11073-10101 context-free code; its display is the reference id."""
    return Code(MDC, str(code), reference_id)


@dataclass(frozen=True, slots=True)
class KindCodes:
    """How one measurement kind is coded.

    Attributes:
        kind: the stored measurement kind (``"spo2"``...).
        loinc: the LOINC codes, the profile's required one first.
        mdc: the IEEE 11073-10101 code.
        unit: the UCUM unit of the value on the wire.
        category: the observation category code (``vital-signs``, ``laboratory``).
        profile: the R4 vital-signs profile the Observation claims, if any.
        decimals: decimals kept on the wire (the devices' resolution or finer).
    """

    kind: str
    loinc: tuple[Code, ...]
    mdc: Code
    unit: str
    category: str
    profile: str | None
    decimals: int


# LOINC: the R4 vital-signs profiles (hl7.org/fhir/R4/observation-vitalsigns.html and
# each profile page, e.g. hl7.org/fhir/R4/oxygensat.html, which fixes 2708-6: 59408-5
# alone fails it; US Core's satO2-fiO2 example carries 2708-6, 59408-5 and MDC 150456).
# MDC: HL7 PHD IG examples (github.com/HL7/phd input/examples: bloodPress-1.0.1,
# compound-numeric-blood-pressure 150020/150021, spotnumeric 149530 with 8867-4),
# BIH-CEI/T-CABS examples (147842 with 8867-4, 188752 with 39156-5), an HL7 v2 ORU
# example (151562 MDC_RESP_RATE, 188740, 188736, 150456), and the IEEE 11073-20601
# nomenclature headers' SCADA term codes (MDC_PRESS_BLD_NONINV_DIA 18950, _MEAN 18951,
# MDC_PULS_RATE_NON_INV 18474, MDC_TEMP_BODY 19292, MDC_LEN_BODY_ACTUAL 57668) + 2**17.
KINDS: Mapping[str, KindCodes] = MappingProxyType(
    {
        "blood_pressure": KindCodes(
            "blood_pressure",
            (loinc("85354-9", "Blood pressure panel with all children optional"),),
            mdc(150020, "MDC_PRESS_BLD_NONINV"),
            "mm[Hg]",
            "vital-signs",
            _PROFILE + "bp",
            0,
        ),
        "spo2": KindCodes(
            "spo2",
            (
                loinc("2708-6", "Oxygen saturation in Arterial blood"),
                loinc("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"),
            ),
            mdc(150456, "MDC_PULS_OXIM_SAT_O2"),
            "%",
            "vital-signs",
            _PROFILE + "oxygensat",
            0,
        ),
        # From the oximeter; a cuff's pulse rate takes PULSE_RATE_CUFF's MDC code.
        "pulse_rate": KindCodes(
            "pulse_rate",
            (loinc("8867-4", "Heart rate"),),
            mdc(149530, "MDC_PULS_OXIM_PULS_RATE"),
            "/min",
            "vital-signs",
            _PROFILE + "heartrate",
            0,
        ),
        "heart_rate": KindCodes(
            "heart_rate",
            (loinc("8867-4", "Heart rate"),),
            mdc(147842, "MDC_ECG_HEART_RATE"),
            "/min",
            "vital-signs",
            _PROFILE + "heartrate",
            1,
        ),
        "temperature": KindCodes(
            "temperature",
            (loinc("8310-5", "Body temperature"),),
            mdc(150364, "MDC_TEMP_BODY"),
            "Cel",
            "vital-signs",
            _PROFILE + "bodytemp",
            2,
        ),
        "weight": KindCodes(
            "weight",
            (loinc("29463-7", "Body weight"),),
            mdc(188736, "MDC_MASS_BODY_ACTUAL"),
            "kg",
            "vital-signs",
            _PROFILE + "bodyweight",
            3,
        ),
        # The BLE scale reports metres; the bodyheight profile takes cm or [in_i].
        "height": KindCodes(
            "height",
            (loinc("8302-2", "Body height"),),
            mdc(188740, "MDC_LEN_BODY_ACTUAL"),
            "cm",
            "vital-signs",
            _PROFILE + "bodyheight",
            1,
        ),
        "bmi": KindCodes(
            "bmi",
            (loinc("39156-5", "Body mass index (BMI) [Ratio]"),),
            mdc(188752, "MDC_RATIO_MASS_BODY_LEN_SQ"),
            "kg/m2",
            "vital-signs",
            _PROFILE + "bmi",
            1,
        ),
        "respiratory_rate": KindCodes(
            "respiratory_rate",
            (loinc("9279-1", "Respiratory rate"),),
            mdc(151562, "MDC_RESP_RATE"),
            "/min",
            "vital-signs",
            _PROFILE + "resprate",
            0,
        ),
    }
)
"""The vital signs, by stored kind."""

PULSE_RATE_CUFF = mdc(149546, "MDC_PULS_RATE_NON_INV")
"""A blood-pressure cuff's pulse rate (11073-10407; HL7 PHD IG bloodPress-1.0.1)."""

# Blood-pressure panel components: the R4 bp profile (hl7.org/fhir/R4/bp.html) fixes
# 8480-6 and 8462-4; 8478-0 is LOINC's "Mean blood pressure". MDC as for KINDS.
BP_COMPONENTS: Mapping[str, tuple[Code, Code]] = MappingProxyType(
    {
        "systolic": (loinc("8480-6", "Systolic blood pressure"),
                     mdc(150021, "MDC_PRESS_BLD_NONINV_SYS")),
        "diastolic": (loinc("8462-4", "Diastolic blood pressure"),
                      mdc(150022, "MDC_PRESS_BLD_NONINV_DIA")),
        "mean": (loinc("8478-0", "Mean blood pressure"),
                 mdc(150023, "MDC_PRESS_BLD_NONINV_MEAN")),
    }
)  # fmt: skip
"""Value name of a stored blood pressure -> (LOINC, MDC) of its panel component."""

# Glucose from a glucometer, capillary blood: the LOINC term follows the unit's property
# (substance concentration mmol/L vs mass concentration mg/dL) and the fasting context.
# Checked on loinc.org term pages and mirrors: 14743-9 "Glucose [Moles/volume] in
# Capillary blood by Glucometer", 14770-2 "Fasting glucose [Moles/volume] in Capillary
# blood by Glucometer", 41653-7 "Glucose [Mass/volume] in Capillary blood by
# Glucometer", 1556-0 "Fasting glucose [Mass/volume] in Capillary blood" (used by the HL7
# NHSN ADE IG's capillary glucose example); gematik's HDDT blood-glucose value set lists
# 14743-9 and 41653-7 as the codes glucometer makers use.
GLUCOSE_CODES: Mapping[tuple[str, bool], Code] = MappingProxyType(
    {
        ("mmol/L", False): loinc(
            "14743-9", "Glucose [Moles/volume] in Capillary blood by Glucometer"
        ),
        ("mmol/L", True): loinc(
            "14770-2", "Fasting glucose [Moles/volume] in Capillary blood by Glucometer"
        ),
        ("mg/dL", False): loinc(
            "41653-7", "Glucose [Mass/volume] in Capillary blood by Glucometer"
        ),
        ("mg/dL", True): loinc("1556-0", "Fasting glucose [Mass/volume] in Capillary blood"),
    }
)
"""(UCUM unit, fasting) -> the LOINC code of a capillary glucose."""

# MDC glucose codes: 11073-10417 SCADA terms MDC_CONC_GLU_CAPILLARY_WHOLEBLOOD 29112 and
# _PLASMA 29116, + 2**17 (PHD-style examples and an HL7 v2 OBX carry 160184).
GLUCOSE_MDC: Mapping[str, Code] = MappingProxyType(
    {
        "whole_blood": mdc(160184, "MDC_CONC_GLU_CAPILLARY_WHOLEBLOOD"),
        "plasma": mdc(160188, "MDC_CONC_GLU_CAPILLARY_PLASMA"),
    }
)
"""Capillary sample -> MDC glucose code (plasma when the meter says so)."""

# Meal context (11073-10417, partition PHD_DM 128): MDC_CTXT_GLU_MEAL 29256 and its
# values 29260/29264/29268/29272; the HL7 PHD IG's meal-context-observation example
# carries 8417864 MDC_CTXT_GLU_MEAL and 8417872 _POSTPRANDIAL. Bedtime has two term
# codes in circulating headers (29300, 29261), so it goes as text only.
GLUCOSE_MEAL_CONTEXT = mdc(8417864, "MDC_CTXT_GLU_MEAL")
GLUCOSE_MEAL: Mapping[str, tuple[Code | None, str]] = MappingProxyType(
    {
        "meal_preprandial": (mdc(8417868, "MDC_CTXT_GLU_MEAL_PREPRANDIAL"), "Before a meal"),
        "meal_postprandial": (mdc(8417872, "MDC_CTXT_GLU_MEAL_POSTPRANDIAL"), "After a meal"),
        "fasting": (mdc(8417876, "MDC_CTXT_GLU_MEAL_FASTING"), "Fasting"),
        "meal_casual": (mdc(8417880, "MDC_CTXT_GLU_MEAL_CASUAL"), "Casual (snack, drink)"),
        "meal_bedtime": (None, "Bedtime"),
    }
)
"""Meal flag of a stored glucose -> (MDC meal code or None, text)."""

# ECG: the FHIR R4 SampledData example (hl7.org/fhir/R4/observation-example-sample-data)
# codes the recording MDC_ECG_ELEC_POTL 131328 and each lead's potential
# MDC_ECG_ELEC_POTL_I 131329 / _II 131330; the lead itself is MDC_ECG_LEAD_I 131073 /
# _II 131074 (MII Kardiologie IG, medizininformatik-initiative/kerndatensatz-kardiologie
# input/fsh/instances/MII_EXA_Kardio_EKG_Kanal_I.fsh and _II.fsh). LOINC 11524-6
# "EKG study". Derived: heart rate 8867-4 with MDC_ECG_HEART_RATE 147842; SDNN
# 80404-7 "R-R interval.standard deviation (Heart rate variability)" (the LOINC code
# Apple HealthKit's SDNN maps to). No standard code for RMSSD was found: not sent.
ECG_RECORDING: tuple[Code, ...] = (
    mdc(131328, "MDC_ECG_ELEC_POTL"),
    loinc("11524-6", "EKG study"),
)
ECG_LEADS: Mapping[str, tuple[Code, ...]] = MappingProxyType(
    {
        "ecg_i": (mdc(131073, "MDC_ECG_LEAD_I"), mdc(131329, "MDC_ECG_ELEC_POTL_I")),
        "ecg_ii": (mdc(131074, "MDC_ECG_LEAD_II"), mdc(131330, "MDC_ECG_ELEC_POTL_II")),
    }
)
"""Stored ECG signal kind -> codes of its SampledData component (lead, potential)."""
ECG_HEART_RATE: tuple[Code, ...] = (
    loinc("8867-4", "Heart rate"),
    mdc(147842, "MDC_ECG_HEART_RATE"),
)
ECG_HRV_SDNN: tuple[Code, ...] = (
    loinc("80404-7", "R-R interval.standard deviation (Heart rate variability)"),
)

# Device specialisations (INFRA partition 8, 11073-20601 MDC_DEV_SPEC_PROFILE_*): checked
# against gematik's HDDT device-type value set (528388 PULS_OXIM, 528390 ECG, 528391
# BP, 528392 TEMP, 528399 SCALE, 528401 GLUCOSE, 528425 HF_CARDIO) and the HL7 PHD IG
# device example phd-74E8FFFEFF051C00 (528388).
_PULS_OXIM = mdc(528388, "MDC_DEV_SPEC_PROFILE_PULS_OXIM")
_ECG = mdc(528390, "MDC_DEV_SPEC_PROFILE_ECG")
_BP = mdc(528391, "MDC_DEV_SPEC_PROFILE_BP")
_TEMP = mdc(528392, "MDC_DEV_SPEC_PROFILE_TEMP")
_SCALE = mdc(528399, "MDC_DEV_SPEC_PROFILE_SCALE")
_GLUCOSE = mdc(528401, "MDC_DEV_SPEC_PROFILE_GLUCOSE")
_HF_CARDIO = mdc(528425, "MDC_DEV_SPEC_PROFILE_HF_CARDIO")
DEVICE_TYPES: Mapping[str, Code] = MappingProxyType(
    {
        # by what the device measured, in the order a device's type is decided
        "blood_pressure": _BP,
        "spo2": _PULS_OXIM,
        "ecg": _ECG,
        "glucose": _GLUCOSE,
        "temperature": _TEMP,
        "weight": _SCALE,
        "height": _SCALE,
        "bmi": _SCALE,
        "heart_rate": _HF_CARDIO,
        # by the configured kind (BLE profile or serial driver name)
        "pulse_oximeter": _PULS_OXIM,
        "cms50d": _PULS_OXIM,
        "oximeter": _PULS_OXIM,
        "cuff": _BP,
        "thermometer": _TEMP,
        "weight_scale": _SCALE,
    }
)
"""Measured or configured device kind -> its 11073 specialisation."""

# Device types, version types and the gateway: HL7 PHD IG PhdDevice profile
# (input/fsh/StructureDefinition.PhdDevice.fsh: type fixed to 65573 MDC_MOC_VMS_MDS_SIMP,
# the specialisation in specialization.systemType; version types 531974
# MDC_ID_PROD_SPEC_HW, 531975 _SW, 531976 _FW) and the PhgDevice example
# phg-ecde3d4e58532d31 (531981 MDC_MOC_VMS_MDS_AHD, the gateway's type).
PHD_TYPE = mdc(65573, "MDC_MOC_VMS_MDS_SIMP")
VERSION_TYPES: Mapping[str, Code] = MappingProxyType(
    {
        "hardware": mdc(531974, "MDC_ID_PROD_SPEC_HW"),
        "software": mdc(531975, "MDC_ID_PROD_SPEC_SW"),
        "firmware": mdc(531976, "MDC_ID_PROD_SPEC_FW"),
    }
)
GATEWAY_TYPE = mdc(531981, "MDC_MOC_VMS_MDS_AHD")

# Identifier types: HL7 v2 table 0203.
IDENTIFIER_TYPES: Mapping[str, Code] = MappingProxyType(
    {
        "NI": Code(IDENTIFIER_TYPE_SYSTEM, "NI", "National unique individual identifier"),
        "MR": Code(IDENTIFIER_TYPE_SYSTEM, "MR", "Medical record number"),
    }
)

# Encounter classes: v3 ActCode (R4 Encounter.class binding v3-ActEncounterCode).
ENCOUNTER_CLASSES: Mapping[str, Code] = MappingProxyType(
    {
        "AMB": Code(ACT_CODE, "AMB", "ambulatory"),
        "VR": Code(ACT_CODE, "VR", "virtual"),
    }
)
CONSULTANT = Code(PARTICIPATION_TYPE, "CON", "consultant")
PROVENANCE_ASSEMBLER = Code(PROVENANCE_AGENT_TYPE, "assembler", "Assembler")
PROVENANCE_CREATE = Code(DATA_OPERATION, "CREATE", "create")

# The consult note's document type: LOINC 11488-4 "Consult note".
CONSULT_NOTE = loinc("11488-4", "Consult note")

CATEGORY_DISPLAY: Mapping[str, str] = MappingProxyType(
    {"vital-signs": "Vital Signs", "laboratory": "Laboratory", "procedure": "Procedure"}
)
"""Observation category code -> display (terminology.hl7.org observation-category)."""

INTERPRETATION_DISPLAY: Mapping[str, str] = MappingProxyType(
    {
        "N": "Normal",
        "L": "Low",
        "H": "High",
        "LL": "Critical low",
        "HH": "Critical high",
        "A": "Abnormal",
    }
)
"""v3 ObservationInterpretation code -> display."""

# vitals.interpret category -> v3 ObservationInterpretation. The rule: N exactly for the
# categories vitals.interpret calls normal (green); L or H by the side of normal the value
# lies on; LL or HH when vitals.interpret calls it an emergency (red); A where the side is
# not in the category (hr.emergency is either side). The "attention" and "see a doctor"
# levels both map to L/H: FHIR has no level between high and critically high.
INTERPRETATION: Mapping[str, str] = MappingProxyType(
    {
        "bp.low": "L",
        "bp.low_symptoms": "L",
        "bp.optimal": "N",
        "bp.normal": "N",
        "bp.high_normal": "H",
        "bp.grade_1": "H",
        "bp.isolated_systolic_1": "H",
        "bp.grade_2": "H",
        "bp.isolated_systolic_2": "H",
        "bp.grade_3": "H",
        "bp.emergency": "HH",
        "spo2.normal": "N",
        "spo2.slightly_low": "L",
        "spo2.low": "L",
        "spo2.very_low": "LL",
        "temp.severe_hypothermia": "LL",
        "temp.hypothermia": "L",
        "temp.low": "L",
        "temp.normal": "N",
        "temp.raised": "H",
        "temp.fever": "H",
        "temp.high_fever": "H",
        "temp.hyperpyrexia": "HH",
        "hr.marked_bradycardia": "L",
        "hr.bradycardia": "L",
        "hr.normal": "N",
        "hr.tachycardia": "H",
        "hr.marked_tachycardia": "H",
        "hr.emergency": "A",
        "bmi.severe_thinness": "L",
        "bmi.underweight": "L",
        "bmi.normal": "N",
        "bmi.overweight": "H",
        "bmi.obese_1": "H",
        "bmi.obese_2": "H",
        "glucose.severe_hypo": "LL",
        "glucose.hypo": "L",
        "glucose.normal": "N",
        "glucose.impaired_fasting": "H",
        "glucose.diabetes_fasting": "H",
        "glucose.raised_random": "H",
        "glucose.diabetes_random": "H",
        "glucose.very_high": "H",
        "glucose.crisis": "HH",
    }
)
"""vitals.interpret category code -> v3 ObservationInterpretation code."""
