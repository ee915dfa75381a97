"""Forensic facts about image files (keys and meanings).  Data only; filled in by forensics/imagefacts.py."""

IMAGE_KEYS: dict[str, str] = {
    "image_format": "the image's format by its bytes (PNG, JPEG, TIFF, WEBP)",
    "image_camera": "EXIF Make and Model: the camera or phone that took the picture",
    "image_software": "EXIF Software or XMP CreatorTool: the program that last wrote the file",
    "image_editor": "the program that last wrote the file is an image editor (Photoshop, GIMP, ...)",
    "image_taken": "EXIF DateTimeOriginal: when the picture was taken (as stored)",
    "image_modified": "EXIF DateTime: when the file was last changed (as stored)",
    "image_modified_after_taken": "the file was changed more than a minute after the picture was taken",
    "image_source": "what made the picture: photo (a camera), scanner, screenshot or unknown",
    "image_dpi": "the resolution the file states (dots per inch), if any",
    "image_odd_regions": "regions of page 1 whose paper grain is under a third of the page's, and whole pages whose grain is under a third or over three times the other pages' (a pasted-in region or page), as 'page N: ...', each with its box",
}
