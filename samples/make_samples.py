"""Regenerate the demo letters in samples/ (byte-identical on every run).

Run from the repository root: `python samples/make_samples.py`.  Every file is built
by tools.docgen from the specs below; see samples/README.md for what each one shows.
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tools.docgen import LetterSpec, letter_docx, letter_pdf, letter_text  # noqa: E402

BAGHDAD = timezone(timedelta(hours=3))
NORDHAVN = timezone(timedelta(hours=1))
KYIV = timezone(timedelta(hours=2))
TF_IRAQ = ["HEADQUARTERS", "COMBINED JOINT TASK FORCE - OPERATION INHERENT RESOLVE",
           "TASK FORCE IRAQ", "BAGHDAD, IRAQ"]
SEELY_TITLES = ["Brigadier General, US Marine Corps", "Commanding General, Task Force Iraq"]
IRAQI_MOD = ("MEMORANDUM FOR Iraqi Ministry of Defense, Combined Joint Operations - Baghdad, "
             "Deputy Director of Operations")
PENTAGON_STATEMENT = (
    "There has been no change in US policy with regard to our force presence in Iraq. "
    "We're trying to find out where that's coming from, what that is. "
    "But there's been no decision made to leave Iraq. Period.\n")


def _word_metadata(title: str, author: str, company: str, created: datetime,
                   minutes: int, revision: int = 3) -> dict:
    """Metadata of a letter written in Word and saved/exported `minutes` after creation."""
    return {"title": title, "author": author, "last_modified_by": author, "company": company,
            "creator": "Microsoft Word", "producer": "Microsoft Word 2016",
            "created": created, "modified": created + timedelta(minutes=minutes),
            "revision": revision, "template": "Normal.dotm", "app_version": "16.0000",
            "xmp": True}


def withdrawal_letter() -> LetterSpec:
    """The unsigned January 2020 letter, genuine in origin, as it circulated."""
    return LetterSpec(
        letterhead=TF_IRAQ, date="6 January 2020",
        blocks=[IRAQI_MOD, "FROM: Commanding General, Task Force Iraq",
                "SUBJECT: Coalition Force Movement", "Sir,",
                "In deference to the sovereignty of the Republic of Iraq, and as requested by the "
                "Iraqi Parliament and the Prime Minister, CJTF-OIR will be repositioning forces over "
                "the course of the coming days and weeks to prepare for onward movement.",
                "In order to conduct this task, Coalition Forces are required to take certain "
                "measures to ensure that the movement out of Iraq is conducted in a safe and "
                "efficient manner.",
                "During this time, there will be an increase in helicopter travel in and around the "
                "International Zone (IZ) in Baghdad.",
                "As we begin implementing this next phase of operations, I want to reiterate the "
                "value of our friendship and partnership. We respect your sovereign decision to "
                "order our departure."],
        closing="Sincerely,", signature_name="WILLIAM H. SEELY III", signature_titles=SEELY_TITLES,
        metadata=_word_metadata("Coalition Force Movement", "Seely, William H. BGen USMC",
                                "Combined Joint Task Force - Operation Inherent Resolve",
                                datetime(2020, 1, 6, 8, 12, tzinfo=BAGHDAD), 94))


def deployment_notification(signature: str) -> LetterSpec:
    """A fictional head of government's signed notification of a deployment and a treaty exit."""
    metadata = _word_metadata("Notification of deployment and treaty withdrawal",
                              "Office of the Prime Minister", "Government of the Republic of Nordmark",
                              datetime(2021, 3, 3, 10, 12, tzinfo=NORDHAVN), 53, revision=5)
    if signature == "digital":
        metadata.update(producer="Adobe Acrobat Pro DC 21.1.20135",
                        modified=datetime(2021, 3, 3, 11, 20, tzinfo=NORDHAVN))
    return LetterSpec(
        letterhead=["OFFICE OF THE PRIME MINISTER", "REPUBLIC OF NORDMARK",
                    "Government Quarter 1, 0150 Nordhavn"],
        date="3 March 2021",
        blocks=["To: The Speaker of the National Assembly of the Republic of Nordmark",
                "SUBJECT: Notification of the deployment of armed forces and of withdrawal from the "
                "Northern Region Arms Limitation Treaty",
                "Madam Speaker,",
                "In accordance with Article 26 of the Constitution, I hereby notify the National "
                "Assembly that the Government has decided to deploy a mechanised infantry battalion "
                "of about 450 personnel of the Nordmark Armed Forces to the multinational "
                "stabilisation mission in the Eastern Sea region, with effect from 15 March 2021, "
                "for an initial period of twelve months.",
                "I further notify the National Assembly that the Government has decided to withdraw "
                "the Republic of Nordmark from the Northern Region Arms Limitation Treaty. The "
                "instrument of withdrawal will be deposited with the depositary on 10 March 2021 and "
                "the withdrawal will take effect six months after deposit, in accordance with "
                "Article 19 of the Treaty.",
                "Both decisions were taken by the Government in plenary session on 2 March 2021 "
                "(Government Decision No. 2021/114). The Minister of Defence and the Minister for "
                "Foreign Affairs will brief the Defence and Foreign Affairs Committees on 4 March 2021."],
        closing="Yours sincerely,", signature_name="Anna Lindqvist",
        signature_titles=["Prime Minister"], signature=signature, metadata=metadata)


def coordination_letter(signature: str) -> LetterSpec:
    """A routine, signed letter scheduling air movement coordination meetings."""
    return LetterSpec(
        letterhead=TF_IRAQ, date="14 January 2020",
        blocks=["MEMORANDUM FOR Iraqi Ministry of Defense, Combined Joint Operations - Baghdad, "
                "Director of Air Operations",
                "FROM: Chief, Air Movement Coordination Cell, Task Force Iraq",
                "SUBJECT: Air Movement Coordination Meetings", "Sir,",
                "1. Task Force Iraq requests weekly air movement coordination meetings with your "
                "staff, every Tuesday at 1000 hours in the Joint Operations Center, beginning "
                "21 January 2020, to deconflict routine helicopter and fixed-wing movements in and "
                "around the International Zone (IZ).",
                "2. The meetings will review the published flight schedule for the following week, "
                "confirm landing zone availability and exchange points of contact. No change to "
                "current operations or force posture is proposed.",
                "3. Please confirm attendance and nominate a liaison officer. The point of contact "
                "for this memorandum is Major Daniel R. Hayes, Air Movement Coordination Cell."],
        closing="Respectfully,", signature_name="JAMES T. WHITFIELD",
        signature_titles=["Colonel, US Army", "Chief, Air Movement Coordination Cell"],
        signature=signature,
        metadata=_word_metadata("Air Movement Coordination Meetings", "Whitfield, James T. COL USARMY",
                                "Combined Joint Task Force - Operation Inherent Resolve",
                                datetime(2020, 1, 14, 7, 48, tzinfo=BAGHDAD), 37, revision=2))


def forged_letter() -> LetterSpec:
    """A forgery: near-miss names, pasted signature, metadata contradicting the letterhead."""
    return LetterSpec(
        letterhead=TF_IRAQ, date="6 January 2020",
        blocks=["MEMORANDUM FOR Iraqi Ministry of Defense, Combined Joint Operations - Baghdad",
                "FROM: Brigadier General Wiliam H. Seelly III, Commanding General, Task Force Iraq",
                "SUBJECT: Withdrawal of All Coalition Forces", "Sir,",
                "By order of the President of the United States, all Coalition Forces will withdraw "
                "from the Republic of Iraq. The withdrawal of all forces will be completed within "
                "30 days of the date of this letter.",
                "All bases will be handed over to the Iraqi Security Forces and all Coalition air "
                "operations in Iraq will cease immediately.",
                "We respect your sovereign decision to order our departure."],
        closing="Sincerely,", signature_name="WILLIAM H. SEELEY", signature_titles=SEELY_TITLES,
        signature="image",
        metadata={"title": "Withdrawal", "author": "d.kovalenko", "company": "Unrelated Media Agency",
                  "creator": "LibreOffice Writer", "producer": "LibreOffice 6.3",
                  "created": datetime(2020, 2, 14, 16, 22, tzinfo=KYIV),
                  "modified": datetime(2020, 2, 13, 9, 5, tzinfo=KYIV)})


def draft_memo() -> LetterSpec:
    """A routine pre-decisional draft: banner, watermark, typed name, no signature."""
    return LetterSpec(
        letterhead=["HEADQUARTERS", "TASK FORCE IRAQ", "BAGHDAD, IRAQ"], date="20 January 2020",
        blocks=["MEMORANDUM FOR Staff Sections, Task Force Iraq",
                "FROM: Operations Officer (G-3), Task Force Iraq",
                "SUBJECT: Proposed Change to the February 2020 Training Schedule",
                "1. This memorandum proposes moving the quarterly range qualification from "
                "4-6 February 2020 to 11-13 February 2020 to avoid a conflict with scheduled "
                "vehicle maintenance.",
                "2. No other training events are affected. Sections should review the draft "
                "schedule and send comments to the G-3 by 24 January 2020.",
                "3. This proposal is pre-decisional and has not been approved by the Commanding "
                "General."],
        signature_name="MICHAEL P. ORTEGA",
        signature_titles=["Lieutenant Colonel, US Army", "G-3, Task Force Iraq"],
        banner="DRAFT - PRE-DECISIONAL - NOT FOR RELEASE", watermark="DRAFT",
        metadata=_word_metadata("DRAFT - Training Schedule Change", "Ortega, Michael P. LTC USARMY",
                                "Combined Joint Task Force - Operation Inherent Resolve",
                                datetime(2020, 1, 20, 14, 3, tzinfo=BAGHDAD), 26, revision=4))


def outputs() -> dict[str, bytes]:
    """Every sample file name with its content."""
    texts = {
        "withdrawal-letter-2020.txt": letter_text(withdrawal_letter()),
        "coordination-letter.txt": letter_text(coordination_letter("conformed")),
        "pentagon-statement.txt": PENTAGON_STATEMENT,
    }
    return {
        "withdrawal-letter-2020.pdf": letter_pdf(withdrawal_letter()),
        "withdrawal-letter-2020.docx": letter_docx(withdrawal_letter()),
        "signed-deployment-notification.pdf": letter_pdf(deployment_notification("image")),
        "signed-deployment-notification.docx": letter_docx(deployment_notification("image")),
        "signed-deployment-notification-digital.pdf": letter_pdf(deployment_notification("digital")),
        "coordination-letter.pdf": letter_pdf(coordination_letter("image")),
        "forged-letter.pdf": letter_pdf(forged_letter()),
        "draft-memo.pdf": letter_pdf(draft_memo()),
        "draft-memo.docx": letter_docx(draft_memo()),
        **{name: text.encode("utf-8") for name, text in texts.items()},
    }


def main() -> None:
    """Write every sample into samples/."""
    for name, data in outputs().items():
        (HERE / name).write_bytes(data)
        print(f"wrote samples/{name} ({len(data)} bytes)")


if __name__ == "__main__":
    main()
