/*
 * Prints the V4L2 and libc ABI facts the managed capture code depends on, one "name value" per line: structure
 * sizes, field offsets, ioctl request numbers and constants, as the kernel's own UAPI headers define them for the
 * target this file is compiled for. The capture tests compile it natively and for arm64, run it (arm64 under
 * qemu-user) and compare every line with the managed definitions.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <linux/videodev2.h>

#define SIZE(s) printf("sizeof.%s %zu\n", #s, sizeof(struct s))
#define OFF(s, f) printf("offsetof.%s.%s %zu\n", #s, #f, offsetof(struct s, f))
#define REQ(r) printf("ioctl.%s %lu\n", #r, (unsigned long)(r))
#define VAL(c) printf("const.%s %lld\n", #c, (long long)(c))

int main(void)
{
    printf("arch.pointer_bits %zu\n", sizeof(void *) * 8);

    SIZE(v4l2_capability);
    OFF(v4l2_capability, driver); OFF(v4l2_capability, card); OFF(v4l2_capability, bus_info);
    OFF(v4l2_capability, version); OFF(v4l2_capability, capabilities); OFF(v4l2_capability, device_caps);

    SIZE(v4l2_pix_format);
    OFF(v4l2_pix_format, width); OFF(v4l2_pix_format, height); OFF(v4l2_pix_format, pixelformat);
    OFF(v4l2_pix_format, field); OFF(v4l2_pix_format, bytesperline); OFF(v4l2_pix_format, sizeimage);
    OFF(v4l2_pix_format, flags); OFF(v4l2_pix_format, xfer_func);

    SIZE(v4l2_plane_pix_format);
    OFF(v4l2_plane_pix_format, sizeimage); OFF(v4l2_plane_pix_format, bytesperline);

    SIZE(v4l2_pix_format_mplane);
    OFF(v4l2_pix_format_mplane, width); OFF(v4l2_pix_format_mplane, pixelformat); OFF(v4l2_pix_format_mplane, colorspace);
    OFF(v4l2_pix_format_mplane, plane_fmt); OFF(v4l2_pix_format_mplane, num_planes);
    OFF(v4l2_pix_format_mplane, xfer_func);

    SIZE(v4l2_format);
    OFF(v4l2_format, type); OFF(v4l2_format, fmt);

    SIZE(v4l2_requestbuffers);
    OFF(v4l2_requestbuffers, count); OFF(v4l2_requestbuffers, type); OFF(v4l2_requestbuffers, memory);
    OFF(v4l2_requestbuffers, capabilities); OFF(v4l2_requestbuffers, flags);

    SIZE(v4l2_buffer);
    OFF(v4l2_buffer, index); OFF(v4l2_buffer, type); OFF(v4l2_buffer, bytesused); OFF(v4l2_buffer, flags);
    OFF(v4l2_buffer, field); OFF(v4l2_buffer, timestamp); OFF(v4l2_buffer, timecode); OFF(v4l2_buffer, sequence);
    OFF(v4l2_buffer, memory); OFF(v4l2_buffer, m); OFF(v4l2_buffer, length); OFF(v4l2_buffer, request_fd);
    printf("sizeof.timeval %zu\n", sizeof(struct timeval));
    printf("offsetof.timeval.tv_usec %zu\n", offsetof(struct timeval, tv_usec));

    SIZE(v4l2_plane);
    OFF(v4l2_plane, bytesused); OFF(v4l2_plane, length); OFF(v4l2_plane, m); OFF(v4l2_plane, data_offset);

    SIZE(v4l2_fmtdesc);
    OFF(v4l2_fmtdesc, index); OFF(v4l2_fmtdesc, type); OFF(v4l2_fmtdesc, flags); OFF(v4l2_fmtdesc, description);
    OFF(v4l2_fmtdesc, pixelformat);

    SIZE(v4l2_frmsizeenum);
    OFF(v4l2_frmsizeenum, index); OFF(v4l2_frmsizeenum, pixel_format); OFF(v4l2_frmsizeenum, type);
    OFF(v4l2_frmsizeenum, discrete); OFF(v4l2_frmsizeenum, stepwise);
    printf("offsetof.v4l2_frmsizeenum.stepwise.step_height %zu\n", offsetof(struct v4l2_frmsizeenum, stepwise.step_height));

    SIZE(v4l2_frmivalenum);
    OFF(v4l2_frmivalenum, index); OFF(v4l2_frmivalenum, pixel_format); OFF(v4l2_frmivalenum, width);
    OFF(v4l2_frmivalenum, height); OFF(v4l2_frmivalenum, type); OFF(v4l2_frmivalenum, discrete);
    printf("offsetof.v4l2_frmivalenum.stepwise.step %zu\n", offsetof(struct v4l2_frmivalenum, stepwise.step));

    SIZE(v4l2_streamparm);
    OFF(v4l2_streamparm, type);
    printf("offsetof.v4l2_streamparm.parm.capture.capability %zu\n", offsetof(struct v4l2_streamparm, parm.capture.capability));
    printf("offsetof.v4l2_streamparm.parm.capture.timeperframe %zu\n", offsetof(struct v4l2_streamparm, parm.capture.timeperframe));

    SIZE(v4l2_queryctrl);
    OFF(v4l2_queryctrl, id); OFF(v4l2_queryctrl, type); OFF(v4l2_queryctrl, name); OFF(v4l2_queryctrl, minimum);
    OFF(v4l2_queryctrl, maximum); OFF(v4l2_queryctrl, step); OFF(v4l2_queryctrl, default_value); OFF(v4l2_queryctrl, flags);

    SIZE(v4l2_control);
    OFF(v4l2_control, value);

    SIZE(v4l2_querymenu);
    OFF(v4l2_querymenu, name); OFF(v4l2_querymenu, value); OFF(v4l2_querymenu, reserved);

    SIZE(pollfd);
    OFF(pollfd, events); OFF(pollfd, revents);

    REQ(VIDIOC_QUERYCAP); REQ(VIDIOC_ENUM_FMT); REQ(VIDIOC_G_FMT); REQ(VIDIOC_S_FMT); REQ(VIDIOC_REQBUFS);
    REQ(VIDIOC_QUERYBUF); REQ(VIDIOC_QBUF); REQ(VIDIOC_DQBUF); REQ(VIDIOC_STREAMON); REQ(VIDIOC_STREAMOFF);
    REQ(VIDIOC_G_PARM); REQ(VIDIOC_S_PARM); REQ(VIDIOC_G_CTRL); REQ(VIDIOC_S_CTRL); REQ(VIDIOC_QUERYCTRL);
    REQ(VIDIOC_QUERYMENU); REQ(VIDIOC_ENUM_FRAMESIZES); REQ(VIDIOC_ENUM_FRAMEINTERVALS);

    VAL(VIDEO_MAX_PLANES);
    VAL(V4L2_BUF_TYPE_VIDEO_CAPTURE); VAL(V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE); VAL(V4L2_MEMORY_MMAP); VAL(V4L2_FIELD_NONE);
    VAL(V4L2_CAP_VIDEO_CAPTURE); VAL(V4L2_CAP_VIDEO_CAPTURE_MPLANE); VAL(V4L2_CAP_VIDEO_OUTPUT); VAL(V4L2_CAP_VIDEO_M2M);
    VAL(V4L2_CAP_META_CAPTURE); VAL(V4L2_CAP_READWRITE); VAL(V4L2_CAP_STREAMING); VAL(V4L2_CAP_DEVICE_CAPS);
    VAL(V4L2_CAP_TIMEPERFRAME);
    VAL(V4L2_BUF_FLAG_ERROR); VAL(V4L2_BUF_FLAG_TIMESTAMP_MASK); VAL(V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC);
    VAL(V4L2_FMT_FLAG_COMPRESSED);
    VAL(V4L2_FRMSIZE_TYPE_DISCRETE); VAL(V4L2_FRMSIZE_TYPE_CONTINUOUS); VAL(V4L2_FRMSIZE_TYPE_STEPWISE);
    VAL(V4L2_FRMIVAL_TYPE_DISCRETE); VAL(V4L2_FRMIVAL_TYPE_CONTINUOUS); VAL(V4L2_FRMIVAL_TYPE_STEPWISE);
    VAL(V4L2_PIX_FMT_YUYV); VAL(V4L2_PIX_FMT_MJPEG); VAL(V4L2_PIX_FMT_JPEG); VAL(V4L2_PIX_FMT_NV12);
    VAL(V4L2_PIX_FMT_GREY); VAL(V4L2_PIX_FMT_YUV420);
    VAL(V4L2_CID_AUTO_WHITE_BALANCE); VAL(V4L2_CID_GAIN); VAL(V4L2_CID_POWER_LINE_FREQUENCY);
    VAL(V4L2_CID_WHITE_BALANCE_TEMPERATURE); VAL(V4L2_CID_EXPOSURE_AUTO); VAL(V4L2_CID_EXPOSURE_ABSOLUTE);
    VAL(V4L2_CID_FOCUS_ABSOLUTE); VAL(V4L2_CID_FOCUS_AUTO);
    VAL(V4L2_CTRL_FLAG_DISABLED); VAL(V4L2_CTRL_FLAG_READ_ONLY); VAL(V4L2_CTRL_FLAG_INACTIVE); VAL(V4L2_CTRL_FLAG_NEXT_CTRL);
    VAL(V4L2_CTRL_TYPE_INTEGER); VAL(V4L2_CTRL_TYPE_BOOLEAN); VAL(V4L2_CTRL_TYPE_MENU); VAL(V4L2_CTRL_TYPE_BUTTON);
    VAL(V4L2_CTRL_TYPE_INTEGER64); VAL(V4L2_CTRL_TYPE_CTRL_CLASS); VAL(V4L2_CTRL_TYPE_INTEGER_MENU);
    VAL(V4L2_EXPOSURE_AUTO); VAL(V4L2_EXPOSURE_MANUAL); VAL(V4L2_EXPOSURE_SHUTTER_PRIORITY); VAL(V4L2_EXPOSURE_APERTURE_PRIORITY);

    VAL(ENOENT); VAL(EINTR); VAL(EIO); VAL(ENXIO); VAL(EAGAIN); VAL(EACCES); VAL(EBUSY); VAL(ENODEV); VAL(EINVAL);
    VAL(ENOTTY); VAL(EPIPE);
    VAL(O_RDWR); VAL(O_NONBLOCK); VAL(O_CLOEXEC); VAL(PROT_READ); VAL(PROT_WRITE); VAL(MAP_SHARED);
    VAL(POLLIN); VAL(POLLPRI); VAL(POLLERR); VAL(POLLHUP); VAL(POLLNVAL); VAL(EFD_CLOEXEC); VAL(EFD_NONBLOCK);
    return 0;
}
