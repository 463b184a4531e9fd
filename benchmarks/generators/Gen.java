import java.io.FileOutputStream;
public class Gen {
  public static void main(String[] a) throws Exception {
    int n = Integer.parseInt(a[1]);
    com.itextpdf.text.Document d = new com.itextpdf.text.Document();
    com.itextpdf.text.pdf.PdfWriter.getInstance(d, new FileOutputStream(a[0] + "/itext5-" + n + ".pdf"));
    d.addTitle("Statement " + n); d.open();
    for (int i = 0; i < 12; i++) d.add(new com.itextpdf.text.Paragraph("Transfer " + (1000 + i + n)));
    d.close();
    com.lowagie.text.Document e = new com.lowagie.text.Document();
    com.lowagie.text.pdf.PdfWriter.getInstance(e, new FileOutputStream(a[0] + "/itext2-" + n + ".pdf"));
    e.addTitle("Statement " + n); e.open();
    for (int i = 0; i < 12; i++) e.add(new com.lowagie.text.Paragraph("Transfer " + (1000 + i + n)));
    e.close();
  }
}
