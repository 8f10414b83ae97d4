# Plotting (gnuplot figures of a results database), the single-run
# timeline and the HTML report: part of libresults.
libresults_a_SOURCES += \
	%D%/plot.c %D%/plot.h %D%/plot_int.h \
	%D%/plot_data.c \
	%D%/plot_layout.c \
	%D%/plot_figures.c \
	%D%/plot_gnuplot.c \
	%D%/plot_run.c %D%/plot_run.h \
	%D%/report.h %D%/report_int.h \
	%D%/report_layout.c \
	%D%/report_findings.c \
	%D%/report_fleet.c
%D%/libresults_a-report_layout.$(OBJEXT): %D%/build_info.h
