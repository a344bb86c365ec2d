package dicom

import (
	"bytes"
	"path"
	"strings"
)

// classify says what a file that is not DICOM probably is, from its first
// bytes and then its name, so that a person sees why it was left out.
func classify(p string, head []byte) (reason string) {
	name := strings.ToLower(path.Base(p))
	if name == "autorun.inf" {
		return SkipAutorun
	}
	for _, m := range magics {
		if bytes.HasPrefix(head, m.prefix) {
			return m.reason
		}
	}
	return extensionReason(strings.TrimPrefix(path.Ext(name), "."))
}

var magics = []struct {
	prefix []byte
	reason string
}{
	{[]byte("MZ"), SkipProgram},                   // Windows/DOS executable, DLL
	{[]byte("\x7fELF"), SkipProgram},              // Linux
	{[]byte{0xFE, 0xED, 0xFA, 0xCE}, SkipProgram}, // Mach-O
	{[]byte{0xFE, 0xED, 0xFA, 0xCF}, SkipProgram}, //
	{[]byte{0xCE, 0xFA, 0xED, 0xFE}, SkipProgram}, //
	{[]byte{0xCF, 0xFA, 0xED, 0xFE}, SkipProgram}, //
	{[]byte{0xCA, 0xFE, 0xBA, 0xBE}, SkipProgram}, // universal binary, Java class
	{[]byte("\x89PNG"), SkipPicture},              //
	{[]byte{0xFF, 0xD8, 0xFF}, SkipPicture},       // JPEG
	{[]byte("GIF8"), SkipPicture},                 //
	{[]byte("BM"), SkipPicture},                   // BMP
	{[]byte{0x00, 0x00, 0x01, 0x00}, SkipPicture}, // ICO
	{[]byte("II*\x00"), SkipPicture},              // TIFF
	{[]byte("MM\x00*"), SkipPicture},              //
	{[]byte("%PDF"), SkipDocument},                //
	{[]byte("{\\rtf"), SkipDocument},              //
	{[]byte("PK\x03\x04"), SkipArchive},           // ZIP, JAR, DOCX
	{[]byte("7z\xBC\xAF"), SkipArchive},           //
	{[]byte("Rar!"), SkipArchive},                 //
	{[]byte{0x1F, 0x8B}, SkipArchive},             // gzip
	{[]byte("MSCF"), SkipArchive},                 // CAB
}

// extensionReason says what a file name's extension suggests.
func extensionReason(ext string) string {
	switch ext {
	case "exe", "dll", "com", "bat", "cmd", "msi", "sys", "ocx", "cpl", "scr", "jar", "app",
		"dylib", "so", "sh", "vbs", "ps1", "drv":
		return SkipProgram
	case "png", "jpg", "jpeg", "gif", "bmp", "ico", "tif", "tiff", "svg", "webp":
		return SkipPicture
	case "pdf", "txt", "htm", "html", "xml", "rtf", "doc", "docx", "ini", "inf", "cfg", "css",
		"js", "json", "csv", "log", "md", "nfo", "chm", "hlp":
		return SkipDocument
	case "zip", "7z", "rar", "gz", "tgz", "tar", "cab":
		return SkipArchive
	}
	return SkipNotDICOM
}
