/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "spectra/em-spectrum.h"

G_BEGIN_DECLS

#define EM_TYPE_SPECTRUM_PLOT (em_spectrum_plot_get_type ())

G_DECLARE_FINAL_TYPE (EmSpectrumPlot, em_spectrum_plot, EM, SPECTRUM_PLOT, GtkWidget)

/* Vacuum wavelengths of the Balmer lines marked on the plot, Å. */
#define EM_H_ALPHA_VACUUM 6564.61
#define EM_H_BETA_VACUUM 4862.68

GtkWidget  *em_spectrum_plot_new (void);
void        em_spectrum_plot_set_spectrum (EmSpectrumPlot *self, const EmSpectrum *spectrum);
void        em_spectrum_plot_set_window (EmSpectrumPlot *self,
                                         const float    *values,
                                         gsize           n_values,
                                         double          wave_start,
                                         double          wave_end);
void        em_spectrum_plot_get_x_range (EmSpectrumPlot *self, double *x0, double *x1);
void        em_spectrum_plot_set_x_range (EmSpectrumPlot *self, double x0, double x1);
void        em_spectrum_plot_get_y_range (EmSpectrumPlot *self, double *y0, double *y1);
void        em_spectrum_plot_zoom (EmSpectrumPlot *self, double factor, double x_center);
void        em_spectrum_plot_pan (EmSpectrumPlot *self, double fraction);
void        em_spectrum_plot_reset_zoom (EmSpectrumPlot *self);
void        em_spectrum_plot_set_placeholder (EmSpectrumPlot *self, const char *text);
const char *em_spectrum_plot_get_placeholder (EmSpectrumPlot *self);
const char *em_spectrum_plot_get_spectrum_id (EmSpectrumPlot *self);
void        em_spectrum_plot_draw (EmSpectrumPlot *self, cairo_t *cr, int width, int height);

G_END_DECLS
