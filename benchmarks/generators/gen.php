<?php
require_once('/usr/share/php/tcpdf/tcpdf.php');
require_once('/usr/share/php/dompdf/autoload.php');
$n = (int)$argv[2];
$pdf = new TCPDF(); $pdf->SetCreator('Billing system'); $pdf->SetTitle("Invoice $n");
$pdf->AddPage(); $pdf->SetFont('helvetica', '', 11);
for ($i = 0; $i < 12; $i++) $pdf->Cell(0, 8, "Order " . (1000 + $i + $n) . " shipped", 0, 1);
$pdf->Output($argv[1] . "/tcpdf-$n.pdf", 'F');
$d = new Dompdf\Dompdf(); $html = "<h1>Report $n</h1>";
for ($i = 0; $i < 12; $i++) $html .= "<p>Order " . (1000 + $i + $n) . " shipped</p>";
$d->loadHtml($html); $d->render(); file_put_contents($argv[1] . "/dompdf-$n.pdf", $d->output());
